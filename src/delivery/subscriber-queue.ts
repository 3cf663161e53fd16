import { Logger } from '@nestjs/common';
import { StatusFilter } from '../backends/status-backend';
import { StatusEntry } from '../entry/status-entry';
import { StatusSubscriber } from './status-subscriber';

/** How one subscriber is treated when it is slow or fails. */
export interface SubscriberQueueSettings {
  /** How long an async callback may take before the queue moves on to the next entry. */
  timeoutMs: number;
  /**
   * How many entries may wait for a slow subscriber before further ones are skipped for it;
   * `Infinity` for the bus's own sinks, which must see every entry.
   */
  maxQueue: number;
}

/** Runs a delivery to a subscriber inside whatever the instrumentation wants around it. */
export type DeliveryWrapper = (
  entry: StatusEntry,
  subscriber: string,
  call: () => unknown,
) => unknown;

/** Counters of one subscriber's troubles, for `StatusBusService.stats()`. */
export interface SubscriberCounters {
  errors: number;
  timeouts: number;
  skipped: number;
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    value !== null &&
    (typeof value === 'object' || typeof value === 'function') &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}

/**
 * Delivers entries to one subscriber, one at a time and in order, on a queue of its own: a slow,
 * hung or throwing subscriber delays nobody else and never stops the bus.
 */
export class SubscriberQueue {
  private queue: StatusEntry[] = [];
  private head = 0;
  /** `seq` of the entry being delivered, while one is. */
  private current: number | undefined;
  private closed = false;
  /**
   * Set when a callback times out; cleared only when a callback of the subscriber finishes
   * again (settles, or returns without a promise), not when its queue merely runs dry. Nobody
   * waits on a stalled queue: `postAsync` and `flush` wait at most one timeout for a hung
   * subscriber, not one per entry, however the entries come.
   */
  private stalled = false;
  /** Identifies the entry being awaited, so a late settle or timeout acts only once. */
  private ticket = 0;
  private waitingSince = 0;
  private watchdog: NodeJS.Timeout | undefined;
  private onTimeout: (() => void) | undefined;
  readonly counters: SubscriberCounters = { errors: 0, timeouts: 0, skipped: 0 };
  /** Whether the filter names anything: most subscribers, and every sink, take all entries. */
  private readonly filtered: boolean;
  /** When an entry was last skipped for this subscriber (`Date.now()`), `0` never. */
  lastSkippedAt = 0;

  constructor(
    readonly callback: StatusSubscriber,
    private readonly filter: StatusFilter,
    readonly settings: SubscriberQueueSettings,
    private readonly onProgress: () => void,
    private readonly logger: Logger,
    /** Read on every delivery: set and unset while the queue lives. */
    private readonly wrapping: { wrapper?: DeliveryWrapper } = {},
  ) {
    this.filtered = Object.values(filter).some((value) => value !== undefined);
  }

  accepts(entry: StatusEntry): boolean {
    return !this.filtered || entry.matches(this.filter);
  }

  /**
   * Queues `entry` for this subscriber and starts delivering if idle. Called by the dispatcher
   * only, which reports its progress once it has handed the entries out.
   */
  push(entry: StatusEntry): void {
    if (this.closed) return;
    // Idle: delivered straight away, without going through the queue.
    if (this.current === undefined) {
      this.drain(entry);
      return;
    }
    if (this.queue.length - this.head >= this.settings.maxQueue) {
      this.counters.skipped += 1;
      this.lastSkippedAt = Date.now();
      if (this.counters.skipped === 1 || this.counters.skipped % 1000 === 0) {
        this.logger.error(
          `Subscriber ${this.name} is ${this.settings.maxQueue} entries behind; skipped entry ` +
            `seq=${entry.seq} for it (${this.counters.skipped} skipped so far). Other subscribers are unaffected.`,
        );
      }
      return;
    }
    this.queue.push(entry);
  }

  /**
   * The highest `seq` this subscriber is done with, given that the dispatcher has handed out
   * everything up to `dispatched`: a subscriber with nothing queued is done with all of it.
   */
  doneUpTo(dispatched: number): number {
    if (this.current !== undefined && !this.stalled) return this.current - 1;
    return dispatched;
  }

  /** Stops delivery; entries still queued are not delivered. */
  close(): void {
    this.closed = true;
    this.stopWatchdog();
    this.queue = [];
    this.head = 0;
  }

  private get name(): string {
    return this.callback.name ? `"${this.callback.name}"` : '(anonymous)';
  }

  /**
   * Delivers `first` (when given: handed out by the dispatcher, which reports progress itself),
   * then what is queued, until a callback returns a promise.
   */
  private drain(first?: StatusEntry): void {
    let entry = first ?? this.next();
    while (entry !== undefined && !this.closed) {
      this.current = entry.seq;
      const result = this.call(entry);
      if (result !== undefined) {
        this.await(entry, result);
        return;
      }
      this.stalled = false; // it answered
      entry = this.next();
    }
    this.idle(first === undefined);
  }

  private next(): StatusEntry | undefined {
    return this.head < this.queue.length ? this.queue[this.head++] : undefined;
  }

  /** Calls the subscriber with `entry`; returns its promise when it made one. */
  private call(entry: StatusEntry): PromiseLike<unknown> | undefined {
    let result: unknown;
    try {
      const wrapper = this.wrapping.wrapper;
      result = wrapper
        ? wrapper(entry, this.callback.name || 'anonymous', () => this.callback(entry))
        : this.callback(entry);
    } catch (err) {
      this.reportError(entry, err);
      return undefined;
    }
    return isThenable(result) ? result : undefined;
  }

  /** Nothing left to deliver: done with everything handed out so far. */
  private idle(report: boolean): void {
    this.current = undefined;
    this.onTimeout = undefined;
    if (this.head !== 0 && this.head === this.queue.length) {
      this.queue = [];
      this.head = 0;
    }
    if (report) this.onProgress();
  }

  /**
   * Continues with the next entry once the callback's promise settles, or once the watchdog
   * finds it has taken longer than the timeout; whichever comes first, only once.
   */
  private await(entry: StatusEntry, result: PromiseLike<unknown>): void {
    // Report progress up to the entry before this one, then continue once it settles.
    this.onProgress();
    const ticket = ++this.ticket;
    this.waitingSince = Date.now();
    this.startWatchdog();
    const proceed = () => {
      if (this.ticket !== ticket) return;
      this.ticket += 1;
      this.drain();
    };
    const settled = () => {
      // Answered in time: the subscriber is live again, and waited for again.
      if (this.ticket === ticket) this.stalled = false;
      proceed();
    };
    result.then(settled, (err: unknown) => {
      if (this.ticket === ticket) this.reportError(entry, err);
      settled();
    });
    this.onTimeout = () => {
      if (this.ticket !== ticket) return;
      this.counters.timeouts += 1;
      this.stalled = true;
      this.logger.warn(
        `Subscriber ${this.name} did not finish entry seq=${entry.seq} within ` +
          `${this.settings.timeoutMs} ms; moving on to its next entry.`,
      );
      proceed();
    };
  }

  /**
   * One interval per busy queue, not one timer per entry: an async subscriber fed thousands
   * of entries a second would otherwise create and clear a timer for each. For the same reason
   * the interval outlives a queue that runs dry, and stops at its next tick if the queue is
   * still idle then: a subscriber fed one entry at a time keeps one interval, not one per entry.
   */
  private startWatchdog(): void {
    if (this.watchdog) return;
    const period = Math.max(5, Math.min(1000, Math.floor(this.settings.timeoutMs / 5)));
    this.watchdog = setInterval(() => {
      if (!this.onTimeout) this.stopWatchdog();
      else if (Date.now() - this.waitingSince >= this.settings.timeoutMs) this.onTimeout();
    }, period);
    this.watchdog.unref();
  }

  private stopWatchdog(): void {
    clearInterval(this.watchdog);
    this.watchdog = undefined;
    this.onTimeout = undefined;
  }

  /**
   * Counts every failure; logs the first ones and then one in a thousand, so a subscriber that
   * fails on every entry cannot flood the logs or slow the bus down with logging.
   */
  private reportError(entry: StatusEntry, err: unknown): void {
    const count = ++this.counters.errors;
    if (count > 10 && count % 1000 !== 0) return;
    const message = err instanceof Error ? err.message : String(err);
    this.logger.error(
      `Subscriber ${this.name} threw on entry seq=${entry.seq}: ${message}` +
        (count > 1 ? ` (${count} failures so far)` : ''),
      err instanceof Error ? err.stack : undefined,
    );
  }
}
