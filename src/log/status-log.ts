import { Logger } from '@nestjs/common';
import { StatusBackend, StopWatching } from '../backends/status-backend';
import { StatusDispatcher } from '../delivery/status-dispatcher';
import { StatusFeed } from '../delivery/status-feed';
import { StatusSink } from '../delivery/status-sink';
import { StatusSubscriber, SubscribeOptions, Unsubscribe } from '../delivery/status-subscriber';
import { StatusEntry } from '../entry/status-entry';
import { StatusBusClosedError } from '../errors/status-bus.errors';
import { withTimeout } from '../util/with-timeout';
import { countStats, judgeHealth, StatusBusHealth, StatusBusStats } from './status-health';
import { StatusInstruments } from './status-instruments';
import { checkCallback, checkFilter, checkSeq } from './status-query';
import { checkResumePoint, ResumableSubscription } from '../delivery/resumable-subscription';
import { StatusReader } from './status-reader';
import type { StatusJournal } from './status-journal';
import type { StatusSnapshots } from '../status-snapshots.interface';
import type { StatusLogOptions } from './status-log-options';
import { StatusWriter } from '../writing/status-writer';
import type { Queued } from '../writing/status-writer-settings';

/** Where the log is in its life. */
type Phase = 'created' | 'open' | 'delivering' | 'closing' | 'closed';

/**
 * The log's pipeline and its lifecycle: posts go to the writer, the writer appends them to the
 * store and hands each stored batch to the JSONL file and the feed, and the feed delivers the
 * global order to the subscribers through the dispatcher. `StatusBusService` is the facade
 * over it.
 *
 * Opened once (the store, the history read back, the watch on other instances); delivery
 * starts when the application has bootstrapped and its sinks have connected; closing flushes
 * what was posted, within `shutdownTimeoutMs`, then releases everything.
 */
export class StatusLog {
  readonly dispatcher: StatusDispatcher;
  readonly feed: StatusFeed;
  readonly writer: StatusWriter;
  /** Reads of the store, for the facade and for subscriptions that start in the past. */
  readonly reader: StatusReader;
  /** What features registered to be fed every entry; connected when delivery starts. */
  private readonly sinks: StatusSink[] = [];
  /** What answers `snapshot()`: the snapshot part registers itself here when it is wired. */
  snapshots: StatusSnapshots | undefined;
  /** Who is told of the log's work (metrics, traces). */
  readonly instruments: StatusInstruments;
  private phase: Phase = 'created';
  private opening: Promise<void> | undefined;
  private closing: Promise<void> | undefined;
  private stopWatching: StopWatching | undefined;
  /** The newest position this instance knows to be stored. */
  private lastStoredSeq = 0;
  private markDeliveryStarted!: () => void;
  /** Whether `startDelivery` was called before closing; `delivering` once it has resolved. */
  private deliveryAsked = false;
  private delivering = false;
  private readonly deliveryStarted = new Promise<void>((resolve) => {
    this.markDeliveryStarted = resolve;
  });
  private readonly logger = new Logger('StatusBus');

  constructor(
    readonly options: StatusLogOptions,
    readonly backend: StatusBackend,
    private readonly journal?: StatusJournal,
  ) {
    this.dispatcher = new StatusDispatcher({
      timeoutMs: options.subscriberTimeoutMs,
      maxQueue: options.subscriberMaxQueue,
    });
    this.writer = new StatusWriter(
      backend,
      {
        maxBatchSize: options.maxBatchSize,
        maxBufferedEntries: options.maxBufferedEntries,
        retryInitialMs: 100,
        retryMaxMs: 5000,
      },
      (stored) => this.stored(stored),
    );
    this.reader = new StatusReader(backend, () => this.open());
    this.instruments = new StatusInstruments(this.writer, this.dispatcher);
    const instruments = this.instruments;
    this.feed = new StatusFeed(backend, this.dispatcher, this.writer, (entries, remote) => {
      // Checked first: most logs have no instrumentation told of deliveries.
      if (instruments.tellsDispatched) instruments.dispatched(entries, remote);
    });
  }

  /** Whether the log can do its work; `StatusBusService.health()` says how it judges. */
  health(): StatusBusHealth {
    return judgeHealth(this);
  }

  /** The counters of the writer, the feed, the dispatcher and the store's upkeep. */
  stats(): StatusBusStats {
    return countStats(this);
  }

  /** Opens the store and starts writing; once, whoever asks first. */
  open(): Promise<void> {
    this.opening ??= this.openStore();
    return this.opening;
  }

  /**
   * Adds a subscriber of the application, with its own bounded queue, once checked.
   * @returns a function that removes it
   */
  subscribe(callback: StatusSubscriber, options: SubscribeOptions): Unsubscribe {
    checkCallback(callback);
    checkFilter(options);
    this.assertOpen('subscribe');
    const subscription = this.dispatcher.add(callback, options);
    return async () => {
      this.dispatcher.remove(subscription);
    };
  }

  /**
   * Adds a subscriber that starts after `options.after` (see `SubscribeOptions.after`), once
   * the store is found to keep every entry after it: it reads the store through `store`.
   * @returns a function that removes it
   * @throws StatusResumePointLostError when the store no longer keeps them all
   */
  async resume(
    callback: StatusSubscriber,
    options: SubscribeOptions & { after: number },
  ): Promise<Unsubscribe> {
    checkCallback(callback);
    checkFilter(options);
    checkSeq(options.after, 'after');
    this.assertOpen('subscribe');
    // Where delivery here stands: from there on, every entry comes live, and nothing is read.
    // Decided and attached in one turn, so that no entry is handed out in between; not while
    // one is being handed out (from a subscriber's callback), which the new queue would miss.
    const live = options.after === this.dispatcher.position && !this.dispatcher.dispatching;
    if (!live) {
      await checkResumePoint(options.after, this.dispatcher.position, this.reader.oldestSeq, () =>
        this.backend.head(),
      );
      this.assertOpen('subscribe');
    }
    const settings = { maxHeld: this.options.subscriberMaxQueue, page: 1000, retryMaxMs: 5000 };
    const read = this.reader.entriesAfter;
    return ResumableSubscription.attach(this.dispatcher, callback, options, read, settings, live);
  }

  /**
   * Feeds one of a feature's read models every entry after `after`, from the store then live,
   * ahead of every subscriber (see `StatusDispatcher.addFirst`): how a read model is built on
   * its first read and kept current after. Its caller has read `after` from the store, so no
   * resume point is checked; entries removed before they were read end it with `onLost`.
   * @returns a function that ends it
   */
  follow(
    callback: StatusSubscriber,
    after: number,
    told: Pick<SubscribeOptions, 'onCaughtUp' | 'onLost'>,
  ): Unsubscribe {
    this.assertOpen('follow');
    const settings = { maxHeld: Infinity, page: 1000, retryMaxMs: 5000, first: true };
    const read = this.reader.entriesAfter;
    return ResumableSubscription.attach(
      this.dispatcher,
      callback,
      { ...told, after },
      read,
      settings,
      false,
    );
  }

  /**
   * Has `sink` fed every entry, like a subscriber that never skips, from when delivery starts
   * (at once when it has): how a feature such as `status_posted` registers itself.
   */
  addSink(sink: StatusSink): void {
    if (this.delivering) void this.connect(sink);
    else this.sinks.push(sink);
  }

  /** Removes every subscription of `callback`. */
  unsubscribe(callback: StatusSubscriber): void {
    this.dispatcher.remove(callback);
  }

  /**
   * Takes an entry for the store (see `StatusWriter.enqueue`): with `now`, a store in this
   * process with nothing ahead of the entry stores and delivers it during the call and its
   * stored copy is returned; otherwise its place in the queue, whose `onStored` is then told.
   * @throws StatusBusClosedError once closing, naming `operation`
   */
  append(operation: string, entry: StatusEntry, now = false): StatusEntry | Queued {
    this.assertOpen(operation);
    return this.writer.enqueue(entry, now);
  }

  /** @throws StatusBusClosedError once closing, naming `operation` */
  assertOpen(operation: string): void {
    if (this.phase === 'closing' || this.phase === 'closed') {
      throw new StatusBusClosedError(operation);
    }
  }

  /**
   * Starts delivery, once the application has bootstrapped: connects the sinks (each may wait
   * for a readiness signal of its own), then lets the feed deliver. From here on, `postAsync`
   * and `flush` wait for delivery.
   */
  async startDelivery(): Promise<void> {
    if (this.phase === 'created' || this.phase === 'open') {
      this.phase = 'delivering';
      this.deliveryAsked = true;
    }
    await this.open();
    for (const sink of this.sinks) await this.connect(sink);
    this.feed.start();
    this.delivering = true;
    this.markDeliveryStarted();
  }

  /** Connects `sink`; one that fails is logged and left out, never stopping delivery. */
  private async connect(sink: StatusSink): Promise<void> {
    try {
      const callback = await sink.connect();
      if (callback) {
        // Named after the sink, so that logs about it say which one it is.
        Object.defineProperty(callback, 'name', { value: sink.name });
        this.dispatcher.addLossless(callback);
      }
    } catch (err) {
      this.logger.error(`Could not connect ${sink.name}: ${(err as Error).message}`);
    }
  }

  /** Resolves once every entry queued before the call is stored and delivered. */
  async flush(): Promise<void> {
    await this.writer.flushed();
    await this.delivered(this.lastStoredSeq);
  }

  /**
   * `entry` (stored) once subscribers are done with it: itself when they already are (an
   * in-process store delivers before its posts are answered), else a promise of it.
   */
  afterDelivery(entry: StatusEntry): StatusEntry | Promise<StatusEntry> {
    const seq = entry.seq!;
    if (!this.awaitsDelivery() || (this.delivering && this.dispatcher.isSettled(seq))) {
      return entry;
    }
    return this.delivered(seq).then(() => entry);
  }

  /** Waits until subscribers are done with `seq`, once delivery runs; at once before that. */
  delivered(seq: number): Promise<void> {
    if (!this.awaitsDelivery()) return Promise.resolve();
    // Once delivery has started, straight to the dispatcher: this is on every postAsync's path.
    if (this.delivering) return this.dispatcher.settled(seq);
    return this.deliveryStarted.then(() => this.dispatcher.settled(seq));
  }

  /**
   * Whether posts wait for delivery: not before it is to start, nor once closed, nor while
   * closing a log whose delivery was never to start (nothing would ever deliver).
   */
  private awaitsDelivery(): boolean {
    return this.deliveryAsked && this.phase !== 'closed';
  }

  /** Flushes (within `shutdownTimeoutMs`), then releases the store, the watch and the file. */
  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async openStore(): Promise<void> {
    await this.backend.open();
    if (this.journal && this.backend.restore) {
      await this.backend.restore(await this.journal.readAll());
    }
    // Watch before reading the head, so nothing appended in between goes unnoticed.
    if (this.backend.watch) {
      this.stopWatching = await this.backend.watch((position) => this.feed.wake(position));
    }
    const head = await this.backend.head();
    this.feed.resumeAfter(head);
    this.lastStoredSeq = head;
    if (this.phase === 'created') this.phase = 'open';
    this.writer.start();
  }

  /**
   * What the writer stored, in order: to the journal, then to the feed. Without a journal
   * nothing is awaited, which saves the writer a hand-over per batch.
   */
  private stored(stored: StatusEntry[]): Promise<void> | void {
    if (this.journal) {
      return this.journal.append(stored).then(() => this.offer(stored));
    }
    this.offer(stored);
  }

  private offer(stored: StatusEntry[]): void {
    this.lastStoredSeq = Math.max(this.lastStoredSeq, stored[stored.length - 1]!.seq!);
    this.feed.offer(stored);
  }

  private async shutdown(): Promise<void> {
    const wasDelivering = this.phase === 'delivering';
    this.phase = 'closing';
    try {
      if (wasDelivering || this.opening) {
        await withTimeout(this.flush(), this.options.shutdownTimeoutMs, () => new Error('timeout'));
      }
    } catch {
      this.logger.error(
        `Closing with ${this.writer.buffered} entries not yet stored: the store did not accept ` +
          `them within ${this.options.shutdownTimeoutMs} ms (shutdownTimeoutMs).`,
      );
    }
    this.phase = 'closed';
    this.writer.stop();
    this.feed.stop();
    this.dispatcher.close();
    await this.release('watcher', () => this.stopWatching?.());
    await this.release('backend', () => this.backend.close());
    await this.release('journal', () => this.journal?.close());
  }

  private async release(what: string, action: () => Promise<void> | undefined): Promise<void> {
    try {
      await action();
    } catch (err) {
      this.logger.error(`Releasing the ${what} failed: ${(err as Error).message}`);
    }
  }
}
