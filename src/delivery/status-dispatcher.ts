import { Logger } from '@nestjs/common';
import { StatusEntry } from '../entry/status-entry';
import { ProgressWaiters } from './progress-waiters';
import {
  SubscriberChannel,
  SubscriberChannelSettings,
  SubscriberCounters,
} from './subscriber-channel';
import { StatusSubscriber, SubscribeOptions } from './status-subscriber';

/**
 * Hands entries, already in global order, to every subscriber channel, and tells callers when
 * every subscriber is done with a given position.
 */
export class StatusDispatcher {
  /**
   * Replaced, never mutated, on subscribe and unsubscribe: a delivery in progress keeps the
   * list it started with, so a subscriber that (un)subscribes during a callback makes nobody
   * miss the entry being delivered.
   */
  private channels: readonly SubscriberChannel[] = [];
  private dispatched = 0;
  private readonly settledWaiters = new ProgressWaiters();
  private readonly logger = new Logger('StatusBus');

  constructor(private readonly settings: SubscriberChannelSettings) {}

  /** The `seq` of the last entry handed out. */
  get position(): number {
    return this.dispatched;
  }

  /** Sets where delivery starts: entries up to `seq` count as handed out already. */
  startAfter(seq: number): void {
    this.dispatched = seq;
  }

  /** Subscribers of the application; the bus's own sinks are not counted. */
  get subscriberCount(): number {
    return this.channels.filter((c) => c.settings.maxQueue !== Infinity).length;
  }

  /**
   * Adds a subscriber. `lossless` channels (the bus's own sinks: event emitter, CQRS) never
   * skip entries however far behind they fall; they are fast and must see everything.
   */
  add(
    callback: StatusSubscriber,
    options: SubscribeOptions = {},
    lossless = false,
  ): SubscriberChannel {
    const channel = new SubscriberChannel(
      callback,
      { agentId: options.agentId, status: options.status, roomId: options.roomId },
      lossless ? { ...this.settings, maxQueue: Infinity } : this.settings,
      () => this.progress(),
      this.logger,
    );
    this.channels = [...this.channels, channel];
    return channel;
  }

  /** Removes `target` (a channel, or every channel of a callback); returns how many went. */
  remove(target: SubscriberChannel | StatusSubscriber): number {
    const leaving = this.channels.filter((c) => c === target || c.callback === target);
    if (leaving.length === 0) return 0;
    for (const channel of leaving) channel.close();
    this.channels = this.channels.filter((c) => !leaving.includes(c));
    this.progress();
    return leaving.length;
  }

  dispatch(entries: readonly StatusEntry[]): void {
    for (const entry of entries) {
      const channels = this.channels;
      for (const channel of channels) {
        if (channel.accepts(entry)) channel.push(entry);
      }
      this.dispatched = entry.seq!;
    }
    this.progress();
  }

  /** Resolves once every subscriber is done with every entry up to `seq` (or gave up on it). */
  settled(seq: number): Promise<void> {
    const settled = this.settledWaiters.wait(seq);
    this.progress();
    return settled;
  }

  /** Sums every subscriber's error, timeout and skip counts. */
  counters(): SubscriberCounters {
    const total: SubscriberCounters = { errors: 0, timeouts: 0, skipped: 0 };
    for (const { counters } of this.channels) {
      total.errors += counters.errors;
      total.timeouts += counters.timeouts;
      total.skipped += counters.skipped;
    }
    return total;
  }

  /** Stops every channel and releases everyone waiting. */
  close(): void {
    for (const channel of this.channels) channel.close();
    this.channels = [];
    this.settledWaiters.releaseAll();
  }

  private progress(): void {
    if (this.settledWaiters.pending === 0) return;
    let done = this.dispatched;
    for (const channel of this.channels) done = Math.min(done, channel.doneUpTo(this.dispatched));
    this.settledWaiters.advance(done);
  }
}
