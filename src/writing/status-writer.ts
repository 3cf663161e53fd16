import { Logger } from '@nestjs/common';
import { StatusBackend } from '../backends/status-backend';
import { StatusEntry } from '../entry/status-entry';
import { StatusBufferFullError } from '../errors/status-bus.errors';
import { ProgressWaiters } from '../delivery/progress-waiters';
import { Handover } from '../util/handover';
import { appendNowOf } from './append-now';
import type { Queued, StatusWriterSettings, StoredHandler } from './status-writer-settings';

/**
 * The single writer between `post` and the backend. Posts wait in an in-memory queue; each
 * append takes everything that has queued up meanwhile (group commit), so under load an entry
 * never costs a round trip of its own. A backend that allows it gets the next append while the
 * previous one is still on its way (`pipelining`), so the database never waits for us. A failed
 * append is retried with backoff and keeps its place: entries are stored exactly in post order.
 */
export class StatusWriter {
  private queue: Queued[] = [];
  private head = 0;
  private accepted = 0;
  private written = 0;
  private readonly writtenWaiters = new ProgressWaiters();
  private running = false;
  /** Appends sent and not yet answered, oldest first. */
  private inFlight: { batch: Queued[]; result: Promise<StatusEntry[]>; sentAt: number }[] = [];
  private started = false;
  private stopped = false;
  private retryTimer: NodeJS.Timeout | undefined;
  private wakeRetry: (() => void) | undefined;
  private failures = 0;
  private lastError: unknown;
  /** When the first of the appends failing in a row failed (`Date.now()`). */
  private failingSince: number | undefined;
  private rejectedFull = 0;
  private readonly logger = new Logger('StatusBus');
  private readonly handover: Handover;
  private readonly appendNow: ((entries: readonly StatusEntry[]) => StatusEntry[]) | undefined;

  constructor(
    private readonly backend: StatusBackend,
    readonly settings: StatusWriterSettings,
    private readonly onStored: StoredHandler,
  ) {
    this.handover = new Handover(backend.inProcess === true);
    this.appendNow = appendNowOf(backend);
  }

  /** Whether an append is on its way to the store right now. */
  get appending(): boolean {
    return this.inFlight.length > 0;
  }

  /** Entries accepted and not yet stored. */
  get buffered(): number {
    return this.queue.length - this.head;
  }

  get stats(): { accepted: number; written: number; failedAppends: number; rejectedFull: number } {
    return {
      accepted: this.accepted,
      written: this.written,
      failedAppends: this.failures,
      rejectedFull: this.rejectedFull,
    };
  }

  /** How long appends have been failing in a row, `0` while the store accepts them. */
  get failingForMs(): number {
    return this.failingSince === undefined ? 0 : Date.now() - this.failingSince;
  }

  /** The error of the last failed append, if the store has not recovered since. */
  get error(): unknown {
    return this.lastError;
  }

  /**
   * Takes an entry to store. With `now`, a store in this process that has nothing else to
   * write stores it during the call, as an awaited post wants: its stored copy is returned,
   * already handed on (delivered). Otherwise the entry waits its turn, and its place in the
   * queue is returned: its `onStored`, set by the caller, is told of the stored copy.
   * @throws StatusBufferFullError when `maxBufferedEntries` are already waiting
   */
  enqueue(entry: StatusEntry, now = false): StatusEntry | Queued {
    if (this.buffered >= this.settings.maxBufferedEntries) {
      this.rejectedFull += 1;
      if (this.rejectedFull === 1 || this.rejectedFull % 1000 === 0) {
        this.logger.error(
          `Buffer full (${this.settings.maxBufferedEntries} entries waiting to be stored): ` +
            `${this.rejectedFull} posts refused so far.`,
        );
      }
      throw new StatusBufferFullError(this.settings.maxBufferedEntries);
    }
    this.accepted += 1;
    // Once started, an entry queued always has a turn coming (`running`): when none is, the
    // queue is empty and nothing is ahead of this one.
    if (now && this.appendNow && this.started && !this.running && !this.stopped) {
      return this.storeNow(entry);
    }
    const queued: Queued = { entry };
    this.queue.push(queued);
    this.schedule();
    return queued;
  }

  /** Starts writing; posts made earlier wait in the queue until then. */
  start(): void {
    this.started = true;
    this.schedule();
  }

  /**
   * Stops writing after the append in progress, if any. Entries still queued stay unwritten:
   * the caller decides what to report about them.
   */
  stop(): void {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    this.wakeRetry?.();
  }

  /** Resolves once the first `count` accepted entries are stored. */
  flushed(count: number = this.accepted): Promise<void> {
    return this.writtenWaiters.wait(count);
  }

  private schedule(): void {
    if (!this.started || this.running || this.stopped) return;
    this.running = true;
    // Later, not now: posts made by the running code join the same batch.
    this.handover.schedule(this.turn);
  }

  /** One turn of writing: at once into a store in this process, else through `run`. */
  private readonly turn = (): void => {
    if (this.appendNow) this.runNow();
    else void this.run();
  };

  /**
   * Stores one entry, with nothing queued, into a store in this process, in the caller's turn.
   * It never enters the queue: on this path the queue's slots and slices were most of what
   * the writer allocated per entry. What the store refuses, or what the file must take first,
   * is answered later through the returned place, as queued entries are.
   */
  private storeNow(entry: StatusEntry): StatusEntry | Queued {
    this.running = true;
    const sentAt = this.settings.onAppended ? performance.now() : NaN;
    let stored: StatusEntry[];
    try {
      stored = this.appendNow!([entry]);
    } catch (err) {
      const queued: Queued = { entry };
      this.queue.push(queued);
      this.retry(err, 1);
      return queued;
    }
    const handled = this.acknowledge(stored, sentAt);
    if (handled) {
      const queued: Queued = { entry };
      void handled.then(() => {
        this.answer([queued], stored);
        this.runNow();
      });
      return queued;
    }
    this.countWritten(1);
    this.endTurn();
    return stored[0]!;
  }

  /**
   * Writes into a store in this process. There is no round trip to overlap with, so the batch
   * is stored, handed on (delivered, when nothing is ahead of it) and its posts answered in this
   * one step, with no promise in between: on this path that is most of what an entry costs.
   * Entries posted meanwhile (by subscribers) get the next turn, which the hand-over sends
   * through the event loop now and then. A failed append goes to `run`, which retries it.
   */
  private runNow(): void {
    if (this.stopped || this.head === this.queue.length) {
      this.running = false;
      return;
    }
    const batch = this.queue.slice(this.head, this.head + this.settings.maxBatchSize);
    // Two readings of the clock would cost more than the append itself when nobody wants them.
    const sentAt = this.settings.onAppended ? performance.now() : NaN;
    let stored: StatusEntry[];
    try {
      stored = this.appendNow!(batch.map((q) => q.entry));
    } catch (err) {
      this.retry(err, batch.length);
      return;
    }
    this.head += batch.length;
    const handled = this.acknowledge(stored, sentAt);
    this.compact();
    if (handled) {
      void handled.then(() => {
        this.answer(batch, stored);
        this.runNow();
      });
      return;
    }
    this.answer(batch, stored);
    this.endTurn();
  }

  /** After a turn in this process: the next one, if anything was queued meanwhile. */
  private endTurn(): void {
    if (this.head === this.queue.length || this.stopped) this.running = false;
    else this.handover.schedule(this.turn);
  }

  /** A failed append into a store in this process: `run` retries the queue after a backoff. */
  private retry(err: unknown, count: number): void {
    const { retryInitialMs, retryMaxMs } = this.settings;
    void this.failed(err, count, retryInitialMs).then(() =>
      this.run(Math.min(retryInitialMs * 2, retryMaxMs)),
    );
  }

  /** Writes through appends that take a round trip, several on their way at once. */
  private async run(backoff = this.settings.retryInitialMs): Promise<void> {
    // How far into the queue the appends in flight go.
    let sent = this.head;
    const depth = Math.max(1, this.backend.pipelining ?? 1);
    while (!this.stopped) {
      while (this.inFlight.length < depth && sent < this.queue.length) {
        const batch = this.queue.slice(sent, sent + this.settings.maxBatchSize);
        sent += batch.length;
        const result = this.backend.append(batch.map((q) => q.entry));
        result.catch(() => undefined); // awaited below, in order
        this.inFlight.push({ batch, result, sentAt: performance.now() });
      }
      const oldest = this.inFlight[0];
      if (!oldest) break;
      let stored: StatusEntry[];
      try {
        stored = await oldest.result;
      } catch (err) {
        // Appends sent after the failed one are rejected by the backend too (they name their
        // predecessor), or were stored and are found again on the retry: resend all, in order.
        await Promise.allSettled(this.inFlight.map((f) => f.result));
        this.inFlight = [];
        sent = this.head;
        await this.failed(err, oldest.batch.length, backoff);
        backoff = Math.min(backoff * 2, this.settings.retryMaxMs);
        continue;
      }
      this.inFlight.shift();
      backoff = this.settings.retryInitialMs;
      this.head += oldest.batch.length;
      const handled = this.acknowledge(stored, oldest.sentAt);
      sent -= this.compact();
      if (handled) await handled;
      this.answer(oldest.batch, stored);
    }
    this.running = false;
  }

  /** Counts and reports a failed append, then waits `backoff` ms (or until stopped). */
  private async failed(err: unknown, count: number, backoff: number): Promise<void> {
    this.failures += 1;
    this.failingSince ??= Date.now();
    this.lastError = err;
    const error = err instanceof Error ? err : new Error(String(err));
    this.logger.warn(
      `Storing ${count} entries failed (${this.buffered} waiting), retrying in ` +
        `${backoff} ms: ${error.message}`,
    );
    await new Promise<void>((resolve) => {
      this.wakeRetry = resolve;
      this.retryTimer = setTimeout(resolve, backoff);
    });
  }

  /**
   * A batch the store accepted (and the caller took off the queue) is handed on: to the file,
   * then the feed. Returns what to wait for before its posts are answered, if anything.
   */
  private acknowledge(stored: StatusEntry[], sentAt: number): Promise<void> | void {
    const onAppended = this.settings.onAppended;
    if (onAppended && !Number.isNaN(sentAt)) onAppended(stored.length, performance.now() - sentAt);
    if (this.lastError !== undefined) {
      this.logger.log(`Store reachable again; ${this.buffered} entries waiting are being written.`);
      this.lastError = undefined;
      this.failingSince = undefined;
    }
    try {
      const handled = this.onStored(stored);
      if (handled) return handled.catch((err: unknown) => this.handlingFailed(err));
    } catch (err) {
      this.handlingFailed(err);
    }
  }

  private handlingFailed(err: unknown): void {
    const error = err instanceof Error ? err : new Error(String(err));
    this.logger.error(`Handling stored entries failed: ${error.message}`, error.stack);
  }

  /** Answers the posts of a stored batch, in order, and counts them written. */
  private answer(batch: Queued[], stored: StatusEntry[]): void {
    for (let i = 0; i < batch.length; i++) batch[i]!.onStored?.(stored[i]!);
    this.countWritten(batch.length);
  }

  private countWritten(count: number): void {
    this.written += count;
    this.writtenWaiters.advance(this.written);
  }

  /** Drops stored entries from the front of the queue; returns how many positions moved. */
  private compact(): number {
    const removed = this.head;
    if (this.head === this.queue.length) {
      this.queue = [];
    } else if (this.head > 4096 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
    } else {
      return 0;
    }
    this.head = 0;
    return removed;
  }
}
