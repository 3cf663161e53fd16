import { ConfigurableModuleBuilder, DynamicModule } from '@nestjs/common';
import type * as AdminModule from './admin/status-admin.module';
import { StatusAdminOptions } from './admin/status-admin-options.interface';
import { StatusBusCqrsModule } from './cqrs/status-bus-cqrs.module';
import { StatusBusDelegationModule } from './delegation/status-bus-delegation.module';
import { StatusBusEventsModule } from './events/status-bus-events.module';
import { StatusBusSnapshotModule } from './snapshot/status-bus-snapshot.module';
import { STATUS_BUS_MODULE_OPTIONS, STATUS_BUS_SERVICE } from './status-bus.constants';
import { StatusBusCoreModule } from './status-bus-core.module';
import { StatusBusModuleOptions } from './status-bus-options.interface';
import { StatusBusService } from './status-bus.service';
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
 * holds, and the features (each the same module wherever it is imported, so one imported on its
 * own as well is still one); the admin API when asked for.
 */
function composed(definition: DynamicModule, extras: StatusBusDefinitionExtras): DynamicModule {
  const core = StatusBusCoreModule.with(STATUS_BUS_MODULE_OPTIONS, definition);
  const admin = extras.admin;
  return {
    module: definition.module,
    global: extras.isGlobal,
    imports: [core, ...FEATURES, ...(admin ? [adminModule(admin)] : [])],
    providers: [{ provide: StatusBusService, useExisting: STATUS_BUS_SERVICE }],
    exports: [StatusBusService, StatusBusDelegationModule],
  };
}

/** The admin API, loaded only by applications that serve it. */
function adminModule(admin: StatusAdminOptions): DynamicModule {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded on use, see above
  const part = require('./admin/status-admin.module') as typeof AdminModule;
  return part.StatusAdminModule.forRoot(admin);
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
