import { Logger } from '@nestjs/common';
import type { StatusFilter } from '../backends/status-backend';
import type { StatusEntry } from '../entry/status-entry';
import { InvalidStatusQueryError, StatusResumePointLostError } from '../errors/status-bus.errors';
import type { StatusDispatcher } from './status-dispatcher';
import { Queue } from '../util/queue';
import type { StatusSubscriber, SubscribeOptions, Unsubscribe } from './status-subscriber';

/** Reads what the store keeps after a position (`StatusBusService.entriesAfter`). */
export type ReadAfter = (
  seq: number,
  limit: number,
  filter: StatusFilter,
) => Promise<StatusEntry[]>;

/**
 * Refuses a resume point the store cannot start from: older than the oldest entry it keeps
 * (entries after it are gone), or beyond the newest position the bus reached (`delivered` is
 * where delivery here stands; only past it is the store asked for its head).
 * @throws StatusResumePointLostError, or InvalidStatusQueryError naming `after`
 */
export async function checkResumePoint(
  after: number,
  delivered: number,
  oldest: () => Promise<number>,
  head: () => Promise<number>,
): Promise<void> {
  const kept = await oldest();
  if (after < kept - 1) throw new StatusResumePointLostError(after, kept);
  if (after <= delivered) return;
  const newest = await head();
  if (after > newest) {
    throw new InvalidStatusQueryError(
      'after',
      `is beyond the newest position on the bus (${newest}): resume from the seq of the last ` +
        'entry received',
    );
  }
}

const logger = new Logger('StatusBus');

/** How a resumable subscription reads and holds. */
export interface ResumableSettings {
  /** Live entries held while the callback is busy; beyond, it reads them from the store. */
  maxHeld: number;
  /** Entries per read of the store. */
  page: number;
  /** Longest wait before a failed read is tried again. */
  retryMaxMs: number;
  /** A read model of the bus's own: first in line, never traced (`StatusDispatcher.addFirst`). */
  first?: boolean;
}

/**
 * A subscription that starts after a position: every entry after `after` that passes the
 * filter, in log order, exactly once, first from the store, then live, and never a gap.
 *
 * The dispatcher hands it live entries through `offer`, which only holds them, so it never
 * slows delivery to anyone else (nor `postAsync`). The callback is called one entry at a time
 * and awaited. While the store is being read, live entries are held, and those the read
 * already delivered are dropped; when more are held than `maxHeld` (the callback is slower than
 * the flow), they are dropped too and read from the store once the callback is done. A read
 * that fails is retried, never skipped; entries removed from the store before they were read
 * (retention, while the subscription was behind) end it with `onLost`.
 */
export class ResumableSubscription {
  /** The last position delivered or passed over (an entry the filter refuses). */
  private position: number;
  private held = new Queue<StatusEntry>();
  /** Whether the store must be read before the held entries (the start, or they overflowed). */
  private reading = true;
  private running = false;
  private closed = false;
  private retry: NodeJS.Timeout | undefined;
  private wakeRetry: (() => void) | undefined;
  /** Takes its intake off the dispatcher. */
  private detach: (() => void) | undefined;

  /**
   * Starts a subscription after `options.after` (checked by the caller), fed live by
   * `dispatcher`; `live` when that is where the dispatcher stands (nothing to read first).
   * `options.onLost` defaults to logging an error.
   * @returns a function that ends it
   */
  static attach(
    dispatcher: StatusDispatcher,
    callback: StatusSubscriber,
    options: SubscribeOptions & { after: number },
    read: ReadAfter,
    settings: ResumableSettings,
    live: boolean,
  ): Unsubscribe {
    const { onLost, onCaughtUp, after } = options;
    for (const [name, told] of [
      ['onLost', onLost],
      ['onCaughtUp', onCaughtUp],
    ] as const) {
      if (told !== undefined && typeof told !== 'function') {
        throw new InvalidStatusQueryError(name, 'must be a function');
      }
    }
    const { maxQueue } = options;
    if (maxQueue !== undefined && (!Number.isSafeInteger(maxQueue) || maxQueue < 1)) {
      throw new InvalidStatusQueryError('maxQueue', 'must be a positive integer');
    }
    const maxHeld = maxQueue ?? settings.maxHeld;
    const filter = { agentId: options.agentId, status: options.status, roomId: options.roomId };
    const subscription = new ResumableSubscription(
      callback,
      filter,
      after,
      read,
      { ...settings, maxHeld },
      logger,
      onLost ?? ((err) => logger.error(`A subscription ended: ${err.message}`)),
      onCaughtUp,
    );
    if (live) subscription.reading = false;
    const intake = (entry: StatusEntry) => subscription.offer(entry);
    // Named after the subscriber, so that lags and logs say whose it is.
    Object.defineProperty(intake, 'name', { value: callback.name });
    const queue = settings.first
      ? dispatcher.addFirst(intake, filter)
      : dispatcher.add(intake, filter);
    // Ended by a loss, it leaves the dispatcher by itself: nobody may unsubscribe it.
    subscription.detach = () => dispatcher.remove(queue);
    subscription.start();
    return async () => {
      subscription.close();
      dispatcher.remove(queue);
    };
  }

  constructor(
    private readonly callback: StatusSubscriber,
    private readonly filter: StatusFilter,
    after: number,
    private readonly read: ReadAfter,
    private readonly settings: ResumableSettings,
    private readonly logger: Logger,
    private readonly onLost: (error: StatusResumePointLostError) => void,
    private readonly onCaughtUp?: (position: number) => void,
  ) {
    this.position = after;
  }

  /** Starts reading from the store; live entries may be offered before. */
  start(): void {
    void this.run();
  }

  /** A live entry, from the dispatcher (already filtered): held, then delivered in turn. */
  offer(entry: StatusEntry): void {
    if (this.closed || entry.seq! <= this.position) return;
    if (!this.running && !this.reading && this.held.size === 0) {
      // Nothing ahead of it: delivered now, with no turn of the loop; a callback that answers a
      // promise is awaited by the loop before anything after it.
      const pending = this.deliver(entry);
      if (pending) void this.run(pending);
      else this.tellCaughtUp();
      return;
    }
    if (this.held.size >= this.settings.maxHeld) {
      // The store has them: read there once the callback has caught up.
      this.held = new Queue();
      this.reading = true;
    } else if (!this.reading) {
      this.held.push(entry);
    }
    if (!this.running) void this.run();
  }

  /** Stops delivery; a callback under way finishes, nothing after it is delivered. */
  close(): void {
    this.closed = true;
    this.held = new Queue();
    clearTimeout(this.retry);
    this.wakeRetry?.();
  }

  /** Delivers, one at a time, until nothing is left; runs once at a time. */
  private async run(first?: PromiseLike<unknown>): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      if (first) await first;
      while (!this.closed) {
        if (this.reading) {
          // Entries offered from here on are held; those up to what the read delivers dropped.
          this.reading = false;
          this.held = new Queue();
          if (!(await this.catchUp())) return;
          continue;
        }
        const entry = this.held.shift();
        if (entry === undefined) {
          // Everything there is so far is given: from here on it waits for new entries.
          this.tellCaughtUp();
          return;
        }
        // Awaited only when it answers a promise: a callback that returns at once is called
        // again at once, with no turn in between.
        const pending = entry.seq! > this.position ? this.deliver(entry) : undefined;
        if (pending) await pending;
      }
    } finally {
      this.running = false;
    }
  }

  /**
   * Reads and delivers what the store keeps after the position, page by page, until a page
   * comes back short. Answers false once the subscription has ended.
   */
  private async catchUp(): Promise<boolean> {
    let failures = 0;
    while (!this.closed) {
      let page: StatusEntry[];
      try {
        page = await this.read(this.position, this.settings.page, this.filter);
        failures = 0;
      } catch (err) {
        if (err instanceof StatusResumePointLostError) {
          this.close();
          this.detach?.();
          this.tell(err);
          return false;
        }
        failures += 1;
        const waitMs = Math.min(100 * 2 ** Math.min(failures, 10), this.settings.retryMaxMs);
        if (failures === 1) {
          this.logger.warn(
            `A subscription after seq ${this.position} could not read the store ` +
              `(${err instanceof Error ? err.message : String(err)}); retrying, nothing skipped.`,
          );
        }
        await this.pause(waitMs);
        continue;
      }
      for (const entry of page) {
        if (this.closed) return false;
        // Checked again: for a backend the filter is an optimisation it may skip.
        const pending = entry.matches(this.filter) ? this.deliver(entry) : undefined;
        if (pending) await pending;
        this.position = Math.max(this.position, entry.seq!);
      }
      if (page.length < this.settings.page) return !this.closed;
    }
    return false;
  }

  /**
   * Calls the callback; answers its promise when it returned one (awaited by the caller), so
   * that a callback that returns at once is called again at once, with no turn in between.
   */
  private deliver(entry: StatusEntry): PromiseLike<unknown> | undefined {
    if (this.closed) return undefined;
    this.position = entry.seq!;
    const failed = (err: unknown) =>
      this.logger.error(
        `A subscriber threw on seq=${entry.seq}: ${err instanceof Error ? err.message : String(err)}`,
      );
    try {
      const result = this.callback(entry);
      if (isThenable(result)) return result.then(undefined, failed);
    } catch (err) {
      failed(err);
    }
    return undefined;
  }

  /** Tells `onCaughtUp`, never letting what it throws out. */
  private tellCaughtUp(): void {
    try {
      this.onCaughtUp?.(this.position);
    } catch (thrown) {
      this.logger.error(
        `onCaughtUp threw: ${thrown instanceof Error ? thrown.message : String(thrown)}`,
      );
    }
  }

  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.wakeRetry = resolve;
      this.retry = setTimeout(resolve, ms);
      this.retry.unref();
    });
  }

  /** Tells `onLost`, which must not end the process whatever it does. */
  private tell(err: StatusResumePointLostError): void {
    try {
      this.onLost(err);
    } catch (thrown) {
      this.logger.error(
        `onLost threw: ${thrown instanceof Error ? thrown.message : String(thrown)}`,
      );
    }
  }
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as PromiseLike<unknown> | null)?.then === 'function';
}
