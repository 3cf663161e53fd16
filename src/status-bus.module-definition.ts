import { ConfigurableModuleBuilder, DynamicModule } from '@nestjs/common';
import { createStatusAdminController } from './admin/status-admin.controller';
import { StatusAdminGuard } from './admin/status-admin.guard';
import { StatusStreams } from './admin/status-streams';
import { StatusAdminOptions } from './admin/status-admin-options.interface';
import { STATUS_ADMIN_OPTIONS } from './admin/status-admin.constants';
import { adminPath, resolveAdminOptions } from './admin/resolve-admin-options';
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
  return {
    ...definition,
    controllers: [...(definition.controllers ?? []), createStatusAdminController(adminPath(admin))],
    providers: [
      ...(definition.providers ?? []),
      // Resolved by a factory so that a missing token stops the application as it starts.
      { provide: STATUS_ADMIN_OPTIONS, useFactory: () => resolveAdminOptions(admin) },
      StatusAdminGuard,
      StatusStreams,
    ],
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
