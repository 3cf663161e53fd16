import { ConfigurableModuleBuilder, DynamicModule } from '@nestjs/common';
import type * as AdminPart from './admin/status-admin.part';
import { StatusAdminOptions } from './admin/status-admin-options.interface';
import { StatusBusModuleOptions } from './status-bus-options.interface';

/** Options fixed when the module is defined, for `forRoot` and `forRootAsync` alike. */
export interface StatusBusDefinitionExtras {
  /** Register `StatusBusService` in every module. @default false */
  isGlobal: boolean;
  /** Mount the admin HTTP API; routes are fixed at definition, hence not an async option. */
  admin: StatusAdminOptions | undefined;
}

function withAdmin(
  definition: DynamicModule,
  admin: StatusAdminOptions | undefined,
): DynamicModule {
  if (!admin) return definition;
  // Loaded only by applications that serve the admin API.
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- see above
  const part = require('./admin/status-admin.part') as typeof AdminPart;
  return {
    ...definition,
    controllers: [...(definition.controllers ?? []), ...part.adminControllers(admin)],
    providers: [...(definition.providers ?? []), ...part.adminProviders(admin)],
  };
}

export const {
  ConfigurableModuleClass: ConfigurableStatusBusModule,
  MODULE_OPTIONS_TOKEN: STATUS_BUS_MODULE_OPTIONS,
  OPTIONS_TYPE: STATUS_BUS_OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE: STATUS_BUS_ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<StatusBusModuleOptions>({ moduleName: 'StatusBus' })
  .setClassMethodName('forRoot')
  .setExtras<StatusBusDefinitionExtras>(
    { isGlobal: false, admin: undefined },
    (definition, extras) => withAdmin({ ...definition, global: extras.isGlobal }, extras.admin),
  )
  .build();
