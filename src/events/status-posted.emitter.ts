import { Inject, Injectable, Logger } from '@nestjs/common';
import { LazyModuleLoader, ModuleRef } from '@nestjs/core';
import {
  EventEmitter2,
  EventEmitterModule,
  EventEmitterReadinessWatcher,
} from '@nestjs/event-emitter';
// Not re-exported by the package index; needed to register listeners on an emitter we load.
import { EventSubscribersLoader } from '@nestjs/event-emitter/dist/event-subscribers.loader';
import { StatusSink } from '../delivery/status-sink';
import { StatusSubscriber } from '../delivery/status-subscriber';
import { StatusEntry } from '../entry/status-entry';
import { STATUS_BUS_OPTIONS, STATUS_POSTED } from '../status-bus.constants';
import type { ResolvedStatusBusOptions } from '../status-bus-options';
import { applicationProviderOrLoad } from '../util/application-provider';

/**
 * Emits every entry as `status_posted` through `@nestjs/event-emitter`.
 *
 * Uses the application's own emitter when it imports `EventEmitterModule.forRoot()`, and waits
 * until that module has registered the `@OnEvent` handlers. Otherwise it loads the module itself,
 * once, so handlers work either way and each is called once per entry.
 */
@Injectable()
export class StatusPostedEmitter implements StatusSink {
  readonly name = 'status_posted emitter';
  private readonly logger = new Logger('StatusBus');

  constructor(
    private readonly moduleRef: ModuleRef,
    private readonly lazyModuleLoader: LazyModuleLoader,
    @Inject(STATUS_BUS_OPTIONS) private readonly options: ResolvedStatusBusOptions,
  ) {}

  async connect(): Promise<StatusSubscriber | undefined> {
    if (!this.options.emitStatusPosted) return undefined;
    const { instance: emitter, loaded } = await applicationProviderOrLoad(
      this.moduleRef,
      this.lazyModuleLoader,
      EventEmitter2,
      () => EventEmitterModule.forRoot(),
      (module) => module.get(EventSubscribersLoader).onApplicationBootstrap(),
    );
    if (!loaded) await this.applicationEmitterReady();
    // Handlers are called in log order, synchronously; their promises are not awaited, so a
    // slow handler never holds back the next entry (as with any event, it is fire and forget).
    return (entry: StatusEntry) => {
      emitter.emitAsync(STATUS_POSTED, entry).catch((err: unknown) => this.report(err));
    };
  }

  private async applicationEmitterReady(): Promise<void> {
    try {
      await this.moduleRef.get(EventEmitterReadinessWatcher, { strict: false }).waitUntilReady();
    } catch (err) {
      this.logger.warn(`EventEmitterModule did not become ready: ${(err as Error).message}`);
    }
  }

  /** Reached only by handlers registered with `suppressErrors: false`. */
  private report(err: unknown): void {
    const error = err instanceof Error ? err : new Error(String(err));
    this.logger.error(`A ${STATUS_POSTED} handler failed: ${error.message}`, error.stack);
  }
}
