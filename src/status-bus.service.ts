import {
  BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnModuleInit,
  Optional,
} from '@nestjs/common';
import { StatusBackend, StatusFilter } from './backends/status-backend';
import { StatusSink } from './delivery/status-sink';
import { StatusSubscriber, SubscribeOptions, Unsubscribe } from './delivery/status-subscriber';
import { PostOptions, StatusEntry, StatusEntryContext } from './entry/status-entry';
import { isStatusLevel, STATUS_LEVELS, StatusLevel } from './entry/status-level';
import { formatRecentText, formatSummary } from './entry/status-text.format';
import {
  InvalidStatusQueryError,
  StatusBusError,
  StatusResumePointLostError,
  StatusStoreTimeoutError,
  StatusStoreUnavailableError,
} from './errors/status-bus.errors';
import { textProblem } from './entry/status-entry.validation';
import { checkUnreserved, POST_RESERVED } from './entry/reserved-names';
import { describeValue } from './errors/describe-value';
import {
  STATUS_BACKEND,
  STATUS_BUS_OPTIONS,
  STATUS_JOURNAL,
  STATUS_SINKS,
} from './status-bus.constants';
import { STATUS_SNAPSHOTS } from './status-snapshots.interface';
import type { AgentSnapshot, StatusSnapshots } from './status-snapshots.interface';
import { StatusLog } from './log/status-log';
import type { StatusJournal } from './log/status-journal';
import type { StatusLogOptions } from './log/status-log-options';
import type { Queued } from './writing/status-writer';
import type { StatusInstrumentation } from './log/status-instrumentation';
import { Deadlines } from './util/deadlines';

/** Largest `n` a read accepts. */
export const MAX_RECENT = 10_000;

/** Counters that show how the bus is doing; see `StatusBusService.stats()`. */
export interface StatusBusStats {
  /** Entries accepted by `post`/`postAsync`. */
  accepted: number;
  /** Entries confirmed stored. */
  stored: number;
  /** Entries accepted and waiting to be stored. */
  buffered: number;
  /** Appends that failed and were retried. */
  failedAppends: number;
  /** Posts refused because the buffer was full. */
  rejectedFull: number;
  /** Position of the last entry delivered to subscribers. */
  deliveredSeq: number;
  /**
   * Reads from the store to catch up with entries this instance learnt of without their
   * contents (another instance's large appends, a reconnect, a poll).
   */
  catchUpReads: number;
  subscribers: number;
  subscriberErrors: number;
  subscriberTimeouts: number;
  subscriberSkipped: number;
  /**
   * Times this instance found entries it had not delivered yet already removed from the store
   * (it fell behind the retention horizon); each is also a warning in the log.
   */
  behindHorizon: number;
  /** Entries and partitions retention has removed from the store since start. */
  removedEntries: number;
  removedPartitions: number;
  /** Passes of the store's upkeep (partitions, retention) that failed since start. */
  failedMaintenance: number;
}

/** How the bus is doing, as `health()` judges it. */
export type StatusBusHealthState = 'up' | 'degraded' | 'down';

/** What `StatusBusService.health()` answers. */
export interface StatusBusHealth {
  state: StatusBusHealthState;
  /** What makes it degraded or down, in words; empty when up. */
  problems: string[];
  /** Entries accepted and waiting to be stored, and how many may wait. */
  buffered: number;
  maxBufferedEntries: number;
  /** How long appends have been failing in a row; `0` while the store accepts them. */
  storeFailingForMs: number;
  /** Whether other instances' appends are notified now (`false`: only the poll finds them). */
  watching: boolean;
  /** Whether a subscriber skipped an entry in the last `SKIPPING_WINDOW_MS`. */
  subscribersSkipping: boolean;
}

/**
 * How many failed maintenance passes in a row make the bus degraded: one can be a passing
 * fault (a lock held a moment too long), retried within a minute.
 */
const MAINTENANCE_FAILURES_SHOWN = 3;

/** How recent a subscriber's skipped entry must be for the bus to count as degraded. */
export const SKIPPING_WINDOW_MS = 60_000;

/**
 * The status bus: agents post entries, read recent activity and subscribe to new entries.
 *
 * Every entry is stored by the backend, which gives it its global position (`seq`), then
 * delivered in that order to subscribers, to `@OnEvent('status_posted')` handlers and to any
 * other sink. Delivery starts when the application has bootstrapped, so entries posted while
 * providers initialise reach handlers registered later in the boot.
 *
 * A facade: it checks what callers give it and answers them; the log's pipeline and lifecycle
 * are the `StatusLog`'s.
 *
 * @example
 * constructor(private readonly bus: StatusBusService) {}
 * this.bus.post('exec', 'search_google', 'ok', { detail: 'Found 7 results' });
 */
@Injectable()
export class StatusBusService
  implements OnModuleInit, OnApplicationBootstrap, BeforeApplicationShutdown
{
  private readonly logger = new Logger('StatusBus');
  private readonly entryContext: StatusEntryContext;
  private readonly log: StatusLog;
  private readonly postDeadlines: Deadlines;

  /** @internal Nest injects it: inject the service, never construct it. */
  constructor(
    @Inject(STATUS_BUS_OPTIONS) private readonly options: StatusLogOptions,
    @Inject(STATUS_BACKEND) private readonly backend: StatusBackend,
    @Inject(STATUS_SINKS) private readonly sinks: StatusSink[],
    @Inject(STATUS_SNAPSHOTS) private readonly snapshots: StatusSnapshots,
    @Optional() @Inject(STATUS_JOURNAL) journal?: StatusJournal,
  ) {
    this.entryContext = {
      limits: options.limits,
      clock: options.clock,
      defaultRoomId: options.defaultRoomId,
    };
    this.log = new StatusLog(options, backend, journal);
    this.postDeadlines = new Deadlines(options.postTimeoutMs);
  }

  /**
   * Posts an entry and returns at once; storing and delivery follow in the background, in
   * post order. Safe from any context, including constructors and `onModuleInit`.
   * @returns the entry; its `seq` is set on the stored copy that subscribers receive
   * @throws InvalidStatusEntryError for an invalid argument, naming it, and for an action in a
   * namespace reserved for the bus's own parts (`a2a.`) or a metadata key the bus writes
   * (`status_bus_…`)
   * @throws StatusBufferFullError when `maxBufferedEntries` entries already wait to be stored
   * @throws StatusBusClosedError after `close()`
   */
  post(agentId: string, action: string, status: StatusLevel, options?: PostOptions): StatusEntry {
    checkUnreserved(action, options?.metadata);
    return this[POST_RESERVED](agentId, action, status, options);
  }

  /**
   * @internal `post` without the refusal of reserved namespaces, for the bus's own parts (the
   * key is not exported from the package).
   */
  [POST_RESERVED](
    agentId: string,
    action: string,
    status: StatusLevel,
    options?: PostOptions,
  ): StatusEntry {
    const entry = this.createEntry('post', agentId, action, status, options);
    this.log.append('post', entry);
    if (this.log.tellsPosted) this.log.tell((i) => i.posted?.(entry));
    // Checked first so that a disabled debug level costs no string building per post.
    if (Logger.isLevelEnabled('debug')) {
      this.logger.debug(`posted ${entry.agentId}: ${entry.action} -> ${entry.status}`);
    }
    return entry;
  }

  /**
   * Posts an entry and resolves once it is durably stored and every subscriber has been called
   * with it (each waited on for at most `subscriberTimeoutMs`). Before the application has
   * bootstrapped, it resolves once stored: delivery has not started yet.
   *
   * In memory, when nothing posted earlier still waits to be stored, the entry is stored and
   * handed to subscribers during the call, as an `async` function's body runs up to its first
   * `await`; otherwise it waits its turn behind the earlier posts.
   * @returns the stored entry, with its `seq`
   * @throws StatusStoreTimeoutError when the store has not confirmed within `postTimeoutMs`
   */
  postAsync(
    agentId: string,
    action: string,
    status: StatusLevel,
    options?: PostOptions,
  ): Promise<StatusEntry> {
    let entry: StatusEntry;
    let placed: StatusEntry | Queued;
    try {
      checkUnreserved(action, options?.metadata);
      entry = this.createEntry('postAsync', agentId, action, status, options);
      // Stored now when it can be (an in-process store with nothing ahead of it): the caller
      // waits for it anyway, and in the background it would cost more hand-overs than the store.
      placed = this.log.append('postAsync', entry, true);
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
    if (this.log.tellsPosted) this.log.tell((i) => i.posted?.(entry));
    if (placed instanceof StatusEntry) return Promise.resolve(this.log.afterDelivery(placed));
    // The deadline covers storing; the wait for subscribers that follows is theirs to bound.
    return this.postDeadlines.wait<StatusEntry>(
      (resolve) => (placed.onStored = (stored) => resolve(this.log.afterDelivery(stored))),
      () => new StatusStoreTimeoutError(this.options.postTimeoutMs, this.log.writer.error),
    );
  }

  /** The last `n` entries matching the filters, oldest first. */
  async recent(n = 10, filter: StatusFilter = {}): Promise<StatusEntry[]> {
    checkCount(n);
    checkFilter(filter);
    const { agentId, status, roomId } = filter;
    return this.read('recent', () => this.backend.recent(n, { agentId, status, roomId }));
  }

  /**
   * Up to `limit` entries after position `seq` that match `filter`, oldest first: what a reader
   * that last saw `seq` missed.
   * @throws StatusResumePointLostError when the store no longer keeps all of them (`seq` is
   * older than its oldest entry), naming the oldest position it keeps: never a silent gap
   */
  async entriesAfter(seq: number, limit = 1000, filter: StatusFilter = {}): Promise<StatusEntry[]> {
    if (!Number.isSafeInteger(seq) || seq < 0) {
      throw new InvalidStatusQueryError('seq', `must be an integer ≥ 0, got ${describeValue(seq)}`);
    }
    checkCount(limit);
    checkFilter(filter);
    const { agentId, status, roomId } = filter;
    const backend = this.backend;
    const [entries, oldest] = await this.read('entriesAfter', () =>
      Promise.all([
        backend.readAfter(seq, limit, { agentId, status, roomId }),
        backend.oldest?.() ?? 0,
      ]),
    );
    if (seq < oldest - 1) throw new StatusResumePointLostError(seq, oldest);
    return entries;
  }

  /**
   * The position of the oldest entry the store still keeps (`0` when empty): a reader that
   * last saw a position below `oldestSeq() - 1` has missed entries that are gone (the in-memory
   * backend keeps the last `maxEntries`).
   */
  async oldestSeq(): Promise<number> {
    const backend = this.backend;
    if (!backend.oldest) return Math.min(1, await this.read('oldestSeq', () => backend.head()));
    return this.read('oldestSeq', () => backend.oldest!());
  }

  /** The last `n` entries as text, one line each: `[HH:MM:SS] agent: action → status | detail`. */
  async recentText(n = 10, filter: StatusFilter = {}): Promise<string> {
    return formatRecentText(await this.recent(n, filter));
  }

  /** Whether a `completed` entry exists (from `agentId`, in `roomId`, when given), however old. */
  async hasCompleted(agentId?: string, scope: { roomId?: string } = {}): Promise<boolean> {
    checkFilter({ agentId, roomId: scope.roomId });
    return this.read('hasCompleted', () => this.backend.hasCompleted(agentId, scope.roomId));
  }

  /**
   * The session summary of the last `n` entries, in the reference layout:
   * a numbered line per entry with its icon, its detail below, totals at the end.
   */
  async summary(n = this.options.maxEntries, filter: StatusFilter = {}): Promise<string> {
    return formatSummary(await this.recent(n, filter));
  }

  /** Writes `summary()` to the Nest logger. */
  async printSummary(n?: number, filter: StatusFilter = {}): Promise<void> {
    this.logger.log(`\n${await this.summary(n, filter)}`);
  }

  /**
   * Calls `callback` with every entry stored from now on that matches the filters, in log
   * order. Each subscriber has its own queue: a slow or throwing one holds up nobody else.
   * @returns a function that unsubscribes
   */
  async subscribe(
    callback: StatusSubscriber,
    options: SubscribeOptions = {},
  ): Promise<Unsubscribe> {
    if (typeof callback !== 'function') {
      throw new InvalidStatusQueryError(
        'callback',
        `must be a function, got ${describeValue(callback)}`,
      );
    }
    checkFilter(options);
    const subscription = this.log.subscribe(callback, options);
    return async () => {
      this.log.dispatcher.remove(subscription);
    };
  }

  /**
   * What every agent is doing now: its latest entry, per room (in `roomId`, when given).
   * Answered from memory, kept current by the event feed from every instance and rebuilt from
   * the last 10,000 entries at start. Without `roomId`, the `maxCachedRooms` rooms active most
   * recently; a room forgotten since is read again from the store (its last 10,000 entries)
   * when asked for by `roomId`.
   */
  async snapshot(scope: { roomId?: string } = {}): Promise<AgentSnapshot[]> {
    const { roomId } = scope;
    checkFilter({ roomId });
    return this.read('snapshot', () => this.snapshots.snapshot(roomId));
  }

  /** Removes every subscription of `callback`. */
  async unsubscribe(callback: StatusSubscriber): Promise<void> {
    this.log.dispatcher.remove(callback);
  }

  /** Resolves once every entry posted before the call is stored and delivered. */
  flush(): Promise<void> {
    return this.log.flush();
  }

  /**
   * Whether the bus can do its work, for health checks:
   * - `down`: the buffer is full (posts are refused), or the store has refused appends for
   *   `postTimeoutMs` or longer (posts wait in the buffer, `postAsync` times out), or has not
   *   answered reads for as long (reads fail; found by the poll even when nobody posts);
   * - `degraded` also when the store's maintenance (partitions, retention) has failed three
   *   passes in a row: it keeps retrying, and says why;
   * - `degraded`: other instances' appends are not being notified (the listening connection
   *   is reconnecting; the poll still finds them, later), the buffer is over half full, or a
   *   subscriber skipped an entry in the last minute (it is too slow for the flow);
   * - `up` otherwise.
   */
  health(): StatusBusHealth {
    const { writer, dispatcher, feed } = this.log;
    const max = this.options.maxBufferedEntries;
    const buffered = writer.buffered;
    const failingFor = writer.failingForMs;
    const readsFailingFor = feed.failingForMs;
    const lastSkip = dispatcher.lastSkippedAt();
    const skipping = lastSkip !== 0 && Date.now() - lastSkip < SKIPPING_WINDOW_MS;
    const watching = this.backend.watching ?? true;
    const down: string[] = [];
    const degraded: string[] = [];
    if (buffered >= max) down.push(`the buffer is full (${buffered} entries): posts are refused`);
    if (failingFor >= this.options.postTimeoutMs) {
      down.push(`the store has refused appends for ${failingFor} ms`);
    }
    if (readsFailingFor >= this.options.postTimeoutMs) {
      down.push(`the store has not answered reads for ${readsFailingFor} ms: reads fail`);
    }
    if (!watching) {
      degraded.push(
        readsFailingFor > 0
          ? 'the listening connection is down, and so are reads of the store'
          : 'the listening connection is down; the poll covers it',
      );
    }
    if (buffered < max && buffered * 2 > max) {
      degraded.push(`the buffer is over half full (${buffered} of ${max})`);
    }
    if (skipping) degraded.push('a subscriber is skipping entries');
    const upkeep = this.backend.maintenance?.();
    if (upkeep && upkeep.failingInARow >= MAINTENANCE_FAILURES_SHOWN) {
      degraded.push(
        `the store's maintenance has failed ${upkeep.failingInARow} passes in a row ` +
          `(last: ${upkeep.lastError ?? 'unknown'}); it keeps retrying`,
      );
    }
    return {
      state: down.length > 0 ? 'down' : degraded.length > 0 ? 'degraded' : 'up',
      problems: [...down, ...degraded],
      buffered,
      maxBufferedEntries: max,
      storeFailingForMs: failingFor,
      watching,
      subscribersSkipping: skipping,
    };
  }

  /**
   * Tells `instrumentation` of the bus's work from now on (posts, appends, deliveries): the
   * extension point of metrics and traces.
   * @returns a function that stops telling it
   */
  instrument(instrumentation: StatusInstrumentation): () => void {
    this.log.instruments = [...this.log.instruments, instrumentation];
    return () => {
      this.log.instruments = this.log.instruments.filter((i) => i !== instrumentation);
    };
  }

  /** How many positions each subscriber (the bus's sinks included) is behind delivery. */
  subscriberLags(): { name: string; lag: number }[] {
    return this.log.dispatcher.lags();
  }

  /** Counters for monitoring. */
  stats(): StatusBusStats {
    const { writer, dispatcher, feed } = this.log;
    const written = writer.stats;
    const subscribers = dispatcher.counters();
    const removed = this.backend.removed?.();
    return {
      accepted: written.accepted,
      stored: written.written,
      buffered: writer.buffered,
      failedAppends: written.failedAppends,
      rejectedFull: written.rejectedFull,
      deliveredSeq: dispatcher.position,
      catchUpReads: feed.reads,
      subscribers: dispatcher.subscriberCount,
      subscriberErrors: subscribers.errors,
      subscriberTimeouts: subscribers.timeouts,
      subscriberSkipped: subscribers.skipped,
      behindHorizon: feed.behindHorizon,
      removedEntries: removed?.entries ?? 0,
      removedPartitions: removed?.partitions ?? 0,
      failedMaintenance: this.backend.maintenance?.().failedPasses ?? 0,
    };
  }

  /**
   * Flushes what was posted (waiting at most `shutdownTimeoutMs`), then releases the backend
   * and the file. Later posts throw `StatusBusClosedError`. Runs by itself on shutdown.
   */
  close(): Promise<void> {
    return this.log.close();
  }

  /** @internal Opens the backend and starts writing. */
  async onModuleInit(): Promise<void> {
    await this.open();
  }

  /** @internal Connects the sinks in the background, then starts delivery. */
  onApplicationBootstrap(): void {
    // Not awaited: a sink may wait for a readiness signal that another module's bootstrap
    // hook gives, and Nest runs those hooks one module after another.
    void this.log.startDelivery(this.sinks);
  }

  /** @internal Runs before other modules release what the bus may still need to flush. */
  async beforeApplicationShutdown(): Promise<void> {
    await this.close();
  }

  /**
   * Runs a read on the store once it is open. A failure of the store itself (unreachable,
   * failing) becomes a {@link StatusStoreUnavailableError}, which callers and the HTTP edge can
   * tell from a bad argument.
   */
  private async read<T>(operation: string, work: () => Promise<T>): Promise<T> {
    try {
      await this.open();
      return await work();
    } catch (err) {
      if (err instanceof StatusBusError) throw err;
      throw new StatusStoreUnavailableError(operation, err);
    }
  }

  private open(): Promise<void> {
    return this.log.open();
  }

  private createEntry(
    operation: string,
    agentId: string,
    action: string,
    status: StatusLevel,
    options: PostOptions | undefined,
  ): StatusEntry {
    this.log.assertOpen(operation);
    if (this.log.annotates) options = this.annotated(options);
    return StatusEntry.create(agentId, action, status, options, this.entryContext);
  }

  /** `options` with what the instrumentation adds to every entry's metadata (a trace context). */
  private annotated(options: PostOptions | undefined): PostOptions | undefined {
    let added: Record<string, string> | undefined;
    this.log.tell((i) => {
      const more = i.annotate?.();
      if (more) added = { ...added, ...more };
    });
    if (!added || (options !== undefined && (typeof options !== 'object' || options === null))) {
      return options;
    }
    const metadata = options?.metadata;
    // Left to validation to refuse, untouched.
    if (
      metadata !== undefined &&
      (typeof metadata !== 'object' || metadata === null || Array.isArray(metadata))
    ) {
      return options;
    }
    return { ...options, metadata: { ...added, ...metadata } };
  }
}

function checkCount(n: unknown): void {
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 1 || n > MAX_RECENT) {
    throw new InvalidStatusQueryError(
      'n',
      `must be an integer from 1 to ${MAX_RECENT}, got ${describeValue(n)}`,
    );
  }
}

function checkFilter(filter: StatusFilter): void {
  if (typeof filter !== 'object' || filter === null) {
    throw new InvalidStatusQueryError(
      'filter',
      'must be an object such as { agentId, status, roomId }',
    );
  }
  for (const key of ['agentId', 'roomId'] as const) {
    const value = filter[key];
    if (value !== undefined && (typeof value !== 'string' || value === '')) {
      throw new InvalidStatusQueryError(
        key,
        `must be a non-empty string, got ${describeValue(value)}`,
      );
    }
    // A value no entry can hold matches nothing; said as a 400 rather than sent to the store.
    const problem = value === undefined ? undefined : textProblem(value);
    if (problem) throw new InvalidStatusQueryError(key, problem);
  }
  if (filter.status !== undefined && !isStatusLevel(filter.status)) {
    throw new InvalidStatusQueryError(
      'status',
      `must be one of ${STATUS_LEVELS.join(', ')}, got ${describeValue(filter.status)}`,
    );
  }
}
