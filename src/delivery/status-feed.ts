import { Logger } from '@nestjs/common';
import { StatusBackend } from '../backends/status-backend';
import { StatusEntry } from '../entry/status-entry';
import { Handover } from '../util/handover';
import { StatusDispatcher } from './status-dispatcher';

/** How many entries one catch-up read asks for. */
const PAGE_SIZE = 1000;
/** Wait before retrying a catch-up read that failed. */
const RETRY_MS = 500;
/**
 * While nobody takes entries, how often at most the store's head is asked for, when other
 * instances announce appends: how far a subscriber that then joins may be handed entries
 * from before it subscribed.
 */
const IDLE_CHECK_MS = 1000;

/** How many entries at the start of `batch` have consecutive positions. */
function consecutiveRun(batch: StatusEntry[]): number {
  let n = 1;
  while (n < batch.length && batch[n]!.seq === batch[n - 1]!.seq! + 1) n++;
  return n;
}

/**
 * Turns what this instance appended and what the store holds into one stream in global
 * order, each entry exactly once.
 *
 * Entries this instance just stored arrive through `offer`, from the store's own answer to the
 * append. When such a batch starts right after the last delivered position it is delivered as
 * is, with no read; otherwise (another instance's entries lie in between) the feed reads from
 * its position in the store, which returns the batch too. `wake` asks for such a read when
 * another instance may have appended. A wake-up only ever causes a read: its position is a
 * hint, and nothing but the store's entries moves the feed's position.
 *
 * While nobody takes entries (no subscriber, sink or read model), the feed reads nothing: it
 * passes over this instance's own batches, and learns how far the log has grown from the
 * store's head, asked at most once a second when other instances announce appends. An
 * instance that only writes thus never tails the log; a subscriber that joins is delivered
 * from there.
 */
export class StatusFeed {
  private position = 0;
  /** Batches this instance stored and has not delivered yet, by their first position. */
  private local: StatusEntry[][] = [];
  private readRequested = false;
  /** A wake-up without a position (a poll, a reconnect) asks for a read whatever we know. */
  private unhintedWake = false;
  /** The highest position a wake-up has announced and no read has yet shown to be wrong. */
  private announced = 0;
  /** Wake-ups so far; tells whether one came in while a read was on its way. */
  private wakes = 0;
  private running = false;
  private readCount = 0;
  /** When reads of the store began to fail in a row (`Date.now()`), `0` while it answers. */
  private failingSince = 0;
  /** Times this instance found entries it had not delivered already removed from the store. */
  behindHorizon = 0;
  private started = false;
  private stopped = false;
  private retryTimer: NodeJS.Timeout | undefined;
  /** When the store's head was last learned while nobody took entries (`Date.now()`). */
  private checkedAt = 0;
  private checkTimer: NodeJS.Timeout | undefined;
  private readonly logger = new Logger('StatusBus');
  private readonly handover: Handover;

  /**
   * @param writer this instance's writer, asked whether it has an append on its way to the
   * store: its own notification then usually arrives before its result, and waiting for the
   * result (which `offer` brings) saves reading back what this instance has just written.
   */
  constructor(
    private readonly backend: StatusBackend,
    private readonly dispatcher: StatusDispatcher,
    private readonly writer: { readonly appending: boolean } = { appending: false },
    private readonly onDispatched?: (entries: readonly StatusEntry[], remote: boolean) => void,
  ) {
    this.handover = new Handover(backend.inProcess === true);
    // A read passed over while nobody took entries is owed to the one who joins.
    dispatcher.onJoin = () => this.kick();
  }

  /**
   * How long reads of the store have failed in a row, `0` while it answers: with nothing
   * posted, the poll's reads are how an instance learns that its store is gone.
   */
  get failingForMs(): number {
    return this.failingSince === 0 ? 0 : Date.now() - this.failingSince;
  }

  /** How many times the feed read from the store. */
  get reads(): number {
    return this.readCount;
  }

  /** Sets the position delivery resumes after; entries at or before it are never delivered. */
  resumeAfter(position: number): void {
    this.position = position;
    this.dispatcher.startAfter(position);
  }

  /** Starts delivering; until then offered batches wait, in order. */
  start(): void {
    this.started = true;
    this.kick();
  }

  /**
   * Hands over entries this instance has just stored, in order. A batch that is next and
   * complete, with nothing else in the feed's hands, is delivered at once: its posts are then
   * answered without waiting a turn of the event loop. The store is not kept waiting meanwhile:
   * in memory there is nothing to overlap with, and on a network store the writer's next append
   * is already on its way (`pipelining`).
   */
  offer(batch: StatusEntry[]): void {
    if (batch.length === 0) return;
    if (this.started && !this.running && this.dispatcher.idle && this.local.length === 0) {
      this.passTo(batch[batch.length - 1]!.seq!);
      return;
    }
    if (
      this.started &&
      !this.running &&
      !this.stopped &&
      !this.readRequested &&
      this.local.length === 0 &&
      batch[0]!.seq === this.position + 1 &&
      consecutiveRun(batch) === batch.length
    ) {
      this.deliver(batch, false);
      return;
    }
    this.keep(batch);
    this.kick();
  }

  /**
   * Another writer may have appended up to `position`: read the store from the current
   * position. A `position` already delivered (our own append's notification) needs nothing.
   */
  wake(position?: number): void {
    if (position === undefined) this.unhintedWake = true;
    else if (position <= this.position) return;
    else this.announced = Math.max(this.announced, position);
    this.wakes += 1;
    this.readRequested = true;
    this.kick();
  }

  /**
   * Keeps a batch until it can be delivered. Batches arrive in commit order, except that a
   * retried append may answer after a later one: sorting by position lets each be delivered as
   * soon as the one before it is.
   */
  private keep(batch: StatusEntry[]): void {
    const first = batch[0]!.seq!;
    let i = this.local.length;
    while (i > 0 && this.local[i - 1]![0]!.seq! > first) i--;
    this.local.splice(i, 0, batch);
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    clearTimeout(this.checkTimer);
  }

  private kick(): void {
    if (!this.started || this.running || this.stopped) return;
    this.running = true;
    // Later, not now: a read, or batches that came out of turn, wait for the code that woke the
    // feed to finish (the writer sends its next append first).
    this.handover.schedule(() => void this.run());
  }

  private async run(): Promise<void> {
    try {
      while (!this.stopped) {
        if (this.dispatcher.idle) {
          // Synchronous unless the head must be asked: a wake-up meanwhile finds the loop running.
          const asking = this.passOver();
          if (!asking) break;
          await asking;
          continue;
        }
        this.dropDelivered();
        const next = this.local[0];
        if (this.readRequested && !this.unhintedWake && this.announced <= this.position) {
          this.readRequested = false;
        }
        if (next && next[0]!.seq === this.position + 1) {
          // Only the run of consecutive positions is known to be complete: a retried append
          // returns entries stored by its first attempt too, with others' entries in between.
          const run = consecutiveRun(next);
          if (run === next.length) this.local.shift();
          else this.local[0] = next.slice(run);
          this.deliver(next.slice(0, run), false);
        } else if (next || this.readRequested) {
          // Our own append's result will come with `offer`, which runs this loop again.
          if (!next && this.writer.appending) break;
          this.readRequested = false;
          this.unhintedWake = false;
          this.readCount += 1;
          const wakes = this.wakes;
          const rows = await this.backend.readAfter(this.position, PAGE_SIZE);
          this.failingSince = 0;
          if (rows.length === PAGE_SIZE) this.readRequested = this.unhintedWake = true;
          if (rows.length > 0 && rows[0]!.seq! > this.position + 1)
            await this.checkHorizon(rows[0]!.seq!);
          if (rows.length > 0) {
            this.deliver(rows, true);
          } else if (next) {
            // The store has nothing before our own batch: the positions in between were
            // skipped (a rolled-back append), so the batch is next after all.
            this.local.shift();
            this.deliver(next, false);
          }
          // The store holds nothing past what was just read, so a position announced beyond it,
          // and not announced again meanwhile, was wrong (a forged or garbled notification):
          // forget it, or every later wake-up would cost a read.
          if (rows.length < PAGE_SIZE && this.wakes === wakes) {
            this.announced = Math.min(this.announced, this.position);
          }
        } else {
          break;
        }
      }
    } catch (err) {
      const error = err instanceof Error ? err : new Error(String(err));
      if (this.failingSince === 0) this.failingSince = Date.now();
      this.logger.warn(`Catching up from seq=${this.position} failed, retrying: ${error.message}`);
      // The read is owed whatever asked for it: a wake-up without a position (a poll, a
      // reconnect) has no announced position to keep the retry reading.
      this.readRequested = this.unhintedWake = true;
      this.retryTimer = setTimeout(() => this.kick(), RETRY_MS);
      this.retryTimer.unref();
    } finally {
      this.running = false;
    }
  }

  /**
   * Nobody takes entries: moves past this instance's own batches (positions are taken in
   * commit order, so every entry before them is older), then, when another instance announced
   * appends, learns the store's head instead of reading the entries (the promise answered).
   */
  private passOver(): Promise<void> | undefined {
    for (const own of this.local) this.passTo(own[own.length - 1]!.seq!);
    this.local = [];
    if (!this.readRequested) return undefined;
    if (this.announced <= this.position && !this.unhintedWake) {
      this.readRequested = false;
      return undefined;
    }
    const waitMs = this.checkedAt + IDLE_CHECK_MS - Date.now();
    if (waitMs > 0) {
      if (!this.checkTimer) {
        this.checkTimer = setTimeout(() => {
          this.checkTimer = undefined;
          this.kick();
        }, waitMs);
        this.checkTimer.unref();
      }
      return undefined;
    }
    return this.learnHead();
  }

  /** Asks the store's head and moves past it, unless someone joined meanwhile. */
  private async learnHead(): Promise<void> {
    this.readRequested = this.unhintedWake = false;
    const wakes = this.wakes;
    const head = await this.backend.head();
    this.failingSince = 0;
    this.checkedAt = Date.now();
    if (!this.dispatcher.idle) {
      // Entries past the position may have been posted since someone subscribed: read them.
      this.readRequested = true;
      return;
    }
    this.passTo(head);
    if (this.wakes === wakes) this.announced = Math.min(this.announced, this.position);
  }

  /** Moves past `seq` while nobody takes entries; what this instance stored shows the head. */
  private passTo(seq: number): void {
    if (seq <= this.position) return;
    this.position = seq;
    this.checkedAt = Date.now();
    this.dispatcher.passTo(seq);
  }

  /**
   * Positions were skipped between what was delivered and what the store answered: usually
   * appends rolled back, but when the store no longer keeps the position after the last one
   * delivered, entries were removed (retention) before this instance delivered them. It cannot
   * deliver them; it says so, and counts it.
   */
  private async checkHorizon(next: number): Promise<void> {
    const oldest = await this.backend.oldest?.();
    if (oldest === undefined || oldest <= this.position + 1) return;
    this.behindHorizon += 1;
    this.logger.warn(
      `This instance fell behind the oldest entry the store keeps: entries after ` +
        `seq=${this.position} up to seq=${next - 1} were removed before it delivered them; ` +
        `its subscribers go on from seq=${next}.`,
    );
  }

  /** Drops the parts of offered batches that a read has already delivered. */
  private dropDelivered(): void {
    while (this.local.length > 0) {
      const batch = this.local[0]!;
      const firstNew = batch.findIndex((e) => e.seq! > this.position);
      if (firstNew === 0) return;
      if (firstNew === -1) this.local.shift();
      else this.local[0] = batch.slice(firstNew);
    }
  }

  /** `remote`: read from the store, so appended by another instance (or by this one before). */
  private deliver(entries: StatusEntry[], remote: boolean): void {
    this.dispatcher.dispatch(entries);
    this.onDispatched?.(entries, remote);
    this.position = entries[entries.length - 1]!.seq!;
  }
}
