import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { LazyModuleLoader, ModuleRef, ModulesContainer } from '@nestjs/core';
import { CqrsModule, EventBus } from '@nestjs/cqrs';
import { StatusSink } from '../delivery/status-sink';
import { StatusSubscriber } from '../delivery/status-subscriber';
import { StatusEntry } from '../entry/status-entry';
import type { StatusLog } from '../log/status-log';
import { STATUS_LOG } from '../status-bus.constants';
import { applicationProviderOrLoad } from '../util/application-provider';
import { hasStatusHandlers } from './status-event-handlers';
import { StatusPostedEvent } from './status-posted.event';

const HANDLERS_STARTED = Promise.resolve();

/** Most events published in one go before their handlers have settled their first step. */
const MAX_IN_FLIGHT = 32;

/** How often to look whether the application's CqrsModule has bound its handlers. */
const REGISTRATION_CHECK_MS = 5;

/**
 * Publishes every entry on the CQRS `EventBus` as a {@link StatusPostedEvent}, when anything
 * in the application handles it (see `hasStatusHandlers`); otherwise it publishes nothing.
 *
 * Uses the application's bus when it imports `CqrsModule.forRoot()`, and loads the module
 * itself otherwise, so `@EventsHandler(StatusPostedEvent)` and sagas work either way.
 */
@Injectable()
export class StatusEventBusPublisher implements StatusSink, OnModuleInit {
  readonly name = 'CQRS event bus';

  constructor(
    private readonly moduleRef: ModuleRef,
    private readonly lazyModuleLoader: LazyModuleLoader,
    private readonly modules: ModulesContainer,
    @Inject(STATUS_LOG) private readonly log: StatusLog,
  ) {}

  /** @internal Registers with the log, which connects it when delivery starts. */
  onModuleInit(): void {
    this.log.addSink(this);
  }

  async connect(): Promise<StatusSubscriber | undefined> {
    if (!hasStatusHandlers(this.modules)) return undefined;
    const { instance: eventBus, loaded } = await applicationProviderOrLoad(
      this.moduleRef,
      this.lazyModuleLoader,
      EventBus,
      () => CqrsModule.forRoot(),
      (module) => module.get(CqrsModule).onApplicationBootstrap(),
    );
    if (!loaded) await this.handlersBound(eventBus);
    // After 32 entries in one go, a promise is returned, so that the bus hands over the next
    // entry only after the handlers of these have started and settled their first step.
    // Publishing a whole batch at once would leave thousands of handler calls in flight per
    // handler, and @nestjs/cqrs tracks each in an array that it searches on completion:
    // quadratic in the batch size. A go ends at the next microtask, which resets the count;
    // entries posted one at a time (an awaited post each) are never made to wait, which would
    // cost them more than the publication itself.
    let inGo = 0;
    const endGo = () => {
      inGo = 0;
    };
    return (entry: StatusEntry) => {
      eventBus.publish(new StatusPostedEvent(entry));
      // A promise's reaction, not queueMicrotask, which makes an async resource per call.
      if (inGo++ === 0) void HANDLERS_STARTED.then(endGo);
      return inGo >= MAX_IN_FLIGHT ? HANDLERS_STARTED : undefined;
    };
  }

  /**
   * Events published before CqrsModule's bootstrap hook binds the handlers reach nobody, and
   * the module gives no signal. This module always contributes handlers of its own, and all
   * handlers are bound in one go, so the first subscription on the bus means they all are.
   */
  private async handlersBound(eventBus: EventBus): Promise<void> {
    const subscriptions = (eventBus as unknown as { subscriptions: unknown[] }).subscriptions;
    while (subscriptions.length === 0) {
      await new Promise((resolve) => setTimeout(resolve, REGISTRATION_CHECK_MS));
    }
  }
}
