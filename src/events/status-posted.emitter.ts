import { DynamicModule, Inject, Injectable, Logger, OnModuleInit, Type } from '@nestjs/common';
import { LazyModuleLoader, ModuleRef } from '@nestjs/core';
import {
  EventEmitter2,
  EventEmitterModule,
  EventEmitterReadinessWatcher,
} from '@nestjs/event-emitter';
import { StatusSink } from '../delivery/status-sink';
import { StatusSubscriber } from '../delivery/status-subscriber';
import { StatusEntry } from '../entry/status-entry';
import type { StatusLog } from '../log/status-log';
import { STATUS_BUS_OPTIONS, STATUS_LOG, STATUS_POSTED } from '../status-bus.constants';
import type { ResolvedStatusBusOptions } from '../status-bus-options';
import { applicationProviderOrLoad } from '../util/application-provider';

/** The module loaded when the application has no emitter of its own. */
const emitterModule: DynamicModule = EventEmitterModule.forRoot();

/**
 * The provider of `EventEmitterModule` that registers the `@OnEvent` handlers, taken from the
 * module's own definition: the package exports neither the class nor its file (a deep import
 * fails on packages with an `exports` map, as `@nestjs/event-emitter` 12 has). Nest calls no
 * bootstrap hook in a lazily loaded module, so the bus calls this one's itself.
 */
export function subscribersLoader(module: DynamicModule): Type<{ onApplicationBootstrap(): void }> {
  const loader = module.providers?.find(
    (p): p is Type<{ onApplicationBootstrap(): void }> =>
      typeof p === 'function' &&
      typeof (p.prototype as { onApplicationBootstrap?: unknown }).onApplicationBootstrap ===
        'function',
  );
  if (!loader) {
    throw new Error(
      'EventEmitterModule.forRoot() has no provider with a bootstrap hook; import ' +
        'EventEmitterModule.forRoot() in your application so that status_posted reaches @OnEvent handlers',
    );
  }
  return loader;
}

/**
 * Emits every entry as `status_posted` through `@nestjs/event-emitter`.
 *
 * Uses the application's own emitter when it imports `EventEmitterModule.forRoot()`, and waits
 * until that module has registered the `@OnEvent` handlers. Otherwise it loads the module itself,
 * once, so handlers work either way and each is called once per entry. Where the emitter has
 * no `status_posted` listener once the application has started, nothing is emitted: a listener
 * added later (`emitter.on`) is not served.
 */
@Injectable()
export class StatusPostedEmitter implements StatusSink, OnModuleInit {
  readonly name = 'status_posted emitter';
  private readonly logger = new Logger('StatusBus');

  constructor(
    private readonly moduleRef: ModuleRef,
    private readonly lazyModuleLoader: LazyModuleLoader,
    @Inject(STATUS_BUS_OPTIONS) private readonly options: ResolvedStatusBusOptions,
    @Inject(STATUS_LOG) private readonly log: StatusLog,
  ) {}

  /** @internal Registers with the log, which connects it when delivery starts. */
  onModuleInit(): void {
    if (this.options.emitStatusPosted) this.log.addSink(this);
  }

  async connect(): Promise<StatusSubscriber | undefined> {
    const { instance: emitter, loaded } = await applicationProviderOrLoad(
      this.moduleRef,
      this.lazyModuleLoader,
      EventEmitter2,
      () => emitterModule,
      (module) => module.get(subscribersLoader(emitterModule)).onApplicationBootstrap(),
    );
    if (!loaded) await this.applicationEmitterReady();
    if (!emitter.hasListeners(STATUS_POSTED)) return undefined;
    // Handlers are called in log order, synchronously; their promises are not awaited, so a
    // slow handler never holds back the next entry (as with any event, it is fire and forget).
    return (entry: StatusEntry) => {
      // emitAsync makes promises even for no handler; the check costs a property read.
      if (!emitter.hasListeners(STATUS_POSTED)) return;
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
