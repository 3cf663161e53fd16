import { ConfigurableModuleBuilder, DynamicModule } from '@nestjs/common';
import type * as AdminPart from './admin/status-admin.part';
import { StatusAdminOptions } from './admin/status-admin-options.interface';
import { StatusBusCqrsModule } from './cqrs/status-bus-cqrs.module';
import { StatusBusDelegationModule } from './delegation/status-bus-delegation.module';
import { StatusBusEventsModule } from './events/status-bus-events.module';
import { StatusBusSnapshotModule } from './snapshot/status-bus-snapshot.module';
import { STATUS_BUS_MODULE_OPTIONS } from './status-bus.constants';
import { StatusBusCoreModule } from './status-bus-core.module';
import { StatusBusModuleOptions } from './status-bus-options.interface';
import { StatusBusVoiceModule } from './voice/status-bus-voice.module';

/** Options fixed when the module is defined, for `forRoot` and `forRootAsync` alike. */
export interface StatusBusDefinitionExtras {
  /** Register `StatusBusService` in every module. @default false */
  isGlobal: boolean;
  /** Mount the admin HTTP API; routes are fixed at definition, hence not an async option. */
  admin: StatusAdminOptions | undefined;
}

/**
 * The features every bus has; each registers with the log what it needs, and a feature the
 * application does not use (no `status_posted` listener, no CQRS handler, no voice channel, no
 * read of the snapshot or the guard) registers nothing and costs nothing.
 */
const FEATURES = [
  StatusBusSnapshotModule,
  StatusBusEventsModule,
  StatusBusCqrsModule,
  StatusBusVoiceModule,
  StatusBusDelegationModule,
];

/**
 * `StatusBusModule` as a composition: the core, with the options provider `definition`
 * holds, and the features, each importing that same core; the admin API when asked for.
 */
function composed(definition: DynamicModule, extras: StatusBusDefinitionExtras): DynamicModule {
  const core = StatusBusCoreModule.with(STATUS_BUS_MODULE_OPTIONS, definition);
  const features = FEATURES.map((module): DynamicModule => ({ module, imports: [core] }));
  const bus: DynamicModule = {
    module: definition.module,
    global: extras.isGlobal,
    imports: [core, ...features],
    exports: [core, ...features.filter((f) => f.module === StatusBusDelegationModule)],
  };
  const admin = extras.admin;
  if (!admin) return bus;
  // Loaded only by applications that serve the admin API.
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- see above
  const part = require('./admin/status-admin.part') as typeof AdminPart;
  return {
    ...bus,
    controllers: part.adminControllers(admin),
    providers: part.adminProviders(admin),
  };
}

export const {
  ConfigurableModuleClass: ConfigurableStatusBusModule,
  OPTIONS_TYPE: STATUS_BUS_OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE: STATUS_BUS_ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<StatusBusModuleOptions>({
  moduleName: 'StatusBus',
  optionsInjectionToken: STATUS_BUS_MODULE_OPTIONS,
})
  .setClassMethodName('forRoot')
  .setExtras<StatusBusDefinitionExtras>({ isGlobal: false, admin: undefined }, composed)
  .build();
