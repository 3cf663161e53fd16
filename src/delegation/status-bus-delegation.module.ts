import { Module } from '@nestjs/common';
import { STATUS_BUS_MODULE_OPTIONS } from '../status-bus.constants';
import type { StatusBusModuleOptions } from '../status-bus-options.interface';
import { CompletionReadModel } from './completion-read-model';
import { DelegationGuardService } from './delegation-guard.service';
import { DELEGATION_OPTIONS, resolveDelegationOptions } from './delegation-options';

/**
 * The `DelegationGuardService`, whose read model is built on its first check. Part of every
 * `StatusBusModule`, which exports it; a module of the application may also import it on its
 * own to inject the guard, and gets the same guard.
 *
 * @example
 * @Module({ imports: [StatusBusDelegationModule], providers: [DelegateTaskHandler] })
 * export class TasksModule {}
 */
@Module({
  providers: [
    // Resolved here, so that a bad option stops the application as it starts.
    {
      provide: DELEGATION_OPTIONS,
      useFactory: (options: StatusBusModuleOptions | undefined) =>
        resolveDelegationOptions(options),
      inject: [STATUS_BUS_MODULE_OPTIONS],
    },
    CompletionReadModel,
    DelegationGuardService,
  ],
  exports: [DelegationGuardService],
})
export class StatusBusDelegationModule {}
