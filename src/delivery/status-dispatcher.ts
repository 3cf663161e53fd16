import { Logger } from '@nestjs/common';
import { StatusEntry } from '../entry/status-entry';
import { ProgressWaiters } from './progress-waiters';
import {
  DeliveryWrapper,
  SubscriberCounters,
  SubscriberQueue,
  SubscriberQueueSettings,
} from './subscriber-queue';
import { StatusSubscriber, SubscribeOptions } from './status-subscriber';

/**
 * Hands entries, already in global order, to every subscriber queue, and tells callers when
 * every subscriber is done with a given position.
 */
export class StatusDispatcher {
  /**
   * Replaced, never mutated, on subscribe and unsubscribe: a delivery in progress keeps the
   * list it started with, so a subscriber that (un)subscribes during a callback makes nobody
   * miss the entry being delivered.
   */
  private queues: readonly SubscriberQueue[] = [];
  private dispatched = 0;
  /** Entries handed out so far (to however many queues). */
  private handedOut = 0;
  private handing = false;
  private readonly settledWaiters = new ProgressWaiters();
  /** What every queue runs its deliveries in, when anything (tracing) wraps them. */
  readonly wrapping: { wrapper?: DeliveryWrapper } = {};
  /** Told when a queue joins: the feed, which stops reading the store while nobody takes. */
  onJoin: (() => void) | undefined;
  private readonly logger = new Logger('StatusBus');

  constructor(private readonly settings: SubscriberQueueSettings) {}

  /** The `seq` of the last entry handed out. */
  get position(): number {
    return this.dispatched;
  }

  /** How many entries were handed out since start; none while nobody takes them. */
  get handed(): number {
    return this.handedOut;
  }

  /**
   * Whether an entry is being handed out right now (a subscriber is called during `dispatch`):
   * a queue added meanwhile gets the entries after it, not that one.
   */
  get dispatching(): boolean {
    return this.handing;
  }

  /** Sets where delivery starts: entries up to `seq` count as handed out already. */
  startAfter(seq: number): void {
    this.dispatched = seq;
  }

  /** Whether nobody takes entries: no subscriber, no sink, no read model. */
  get idle(): boolean {
    return this.queues.length === 0;
  }

  /**
   * Moves past `seq` without handing anything out, while nobody takes entries: those waiting
   * for these positions to be delivered are released.
   */
  passTo(seq: number): void {
    if (seq <= this.dispatched) return;
    this.dispatched = seq;
    this.progress();
  }

  /** Subscribers of the application; the bus's own sinks are not counted. */
  get subscriberCount(): number {
    return this.queues.filter((c) => c.settings.maxQueue !== Infinity).length;
  }

  /** Adds a subscriber of the application: beyond `maxQueue` entries behind, it skips. */
  add(callback: StatusSubscriber, options: SubscribeOptions = {}): SubscriberQueue {
    return this.join(callback, options, this.settings);
  }

  /**
   * Adds one of the bus's read models: first in line, so that it holds an entry before any
   * subscriber is handed it (a subscriber that asks the read model about that entry is told
   * the truth); never skips; and never wrapped (traced), being the bus's own bookkeeping.
   */
  addFirst(callback: StatusSubscriber, options: SubscribeOptions = {}): SubscriberQueue {
    return this.join(callback, options, { ...this.settings, maxQueue: Infinity }, true);
  }

  /**
   * Adds one of the bus's own sinks (the event emitter, CQRS), which never skip an entry
   * however far behind they fall: they are fast and must see everything.
   */
  addLossless(callback: StatusSubscriber): SubscriberQueue {
    return this.join(callback, {}, { ...this.settings, maxQueue: Infinity });
  }

  /** `first`: ahead of every queue, and outside what instrumentation wraps. */
  private join(
    callback: StatusSubscriber,
    options: SubscribeOptions,
    settings: SubscriberQueueSettings,
    first = false,
  ): SubscriberQueue {
    const queue = new SubscriberQueue(
      callback,
      { agentId: options.agentId, status: options.status, roomId: options.roomId },
      settings,
      () => this.progress(),
      this.logger,
      first ? {} : this.wrapping,
    );
    this.queues = first ? [queue, ...this.queues] : [...this.queues, queue];
    this.onJoin?.();
    return queue;
  }

  /** Removes `target` (a queue, or every queue of a callback); returns how many went. */
  remove(target: SubscriberQueue | StatusSubscriber): number {
    const leaving = this.queues.filter((c) => c === target || c.callback === target);
    if (leaving.length === 0) return 0;
    for (const queue of leaving) queue.close();
    this.queues = this.queues.filter((c) => !leaving.includes(c));
    this.progress();
    return leaving.length;
  }

  dispatch(entries: readonly StatusEntry[]): void {
    this.handing = true;
    this.handedOut += entries.length;
    try {
      for (const entry of entries) {
        const queues = this.queues;
        for (const queue of queues) {
          if (queue.accepts(entry)) queue.push(entry);
        }
        this.dispatched = entry.seq!;
      }
    } finally {
      this.handing = false;
    }
    this.progress();
  }

  /** Whether every subscriber is done with every entry up to `seq` (or gave up on it). */
  isSettled(seq: number): boolean {
    return seq <= this.doneUpTo();
  }

  /** Resolves once every subscriber is done with every entry up to `seq` (or gave up on it). */
  settled(seq: number): Promise<void> {
    // Usually already so (every subscriber returned at once): then no waiter is queued at all.
    if (this.isSettled(seq)) return Promise.resolve();
    const settled = this.settledWaiters.wait(seq);
    this.progress();
    return settled;
  }

  /** How many positions each subscriber (by its callback's name) is behind what was handed out. */
  lags(): { name: string; lag: number }[] {
    return this.queues.map((queue) => ({
      name: queue.callback.name || 'anonymous',
      lag: this.dispatched - queue.doneUpTo(this.dispatched),
    }));
  }

  /** When an entry was last skipped for any subscriber (`Date.now()`), `0` never. */
  lastSkippedAt(): number {
    return this.queues.reduce((latest, queue) => Math.max(latest, queue.lastSkippedAt), 0);
  }

  /** Sums every subscriber's error, timeout and skip counts. */
  counters(): SubscriberCounters {
    const total: SubscriberCounters = { errors: 0, timeouts: 0, skipped: 0 };
    for (const { counters } of this.queues) {
      total.errors += counters.errors;
      total.timeouts += counters.timeouts;
      total.skipped += counters.skipped;
    }
    return total;
  }

  /** Stops every queue and releases everyone waiting. */
  close(): void {
    for (const queue of this.queues) queue.close();
    this.queues = [];
    this.settledWaiters.releaseAll();
  }

  private progress(): void {
    if (this.settledWaiters.pending === 0) return;
    this.settledWaiters.advance(this.doneUpTo());
  }

  /** The highest position every subscriber is done with. */
  private doneUpTo(): number {
    let done = this.dispatched;
    for (const queue of this.queues) done = Math.min(done, queue.doneUpTo(this.dispatched));
    return done;
  }
}
