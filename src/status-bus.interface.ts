import type { StatusFilter } from './backends/status-backend';
import type { StatusSubscriber, SubscribeOptions, Unsubscribe } from './delivery/status-subscriber';
import type { PostOptions, StatusEntry } from './entry/status-entry';
import type { StatusLevel } from './entry/status-level';
import type { StatusBusHealth, StatusBusStats } from './log/status-health';
import type { StatusInstrumentation } from './log/status-instrumentation';
import type { AgentSnapshot } from './status-snapshots.interface';

/**
 * What the status bus does for its users; `StatusBusService` is the provider to inject. Typed
 * against this, a provider can be handed a fake in a unit test.
 *
 * Every entry is stored by the backend, which gives it its global position (`seq`), then
 * delivered in that order to subscribers, to `@OnEvent('status_posted')` handlers and to any
 * other sink. Delivery starts when the application has bootstrapped, so entries posted while
 * providers initialise reach handlers registered later in the boot.
 */
export interface StatusBus {
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
  post(agentId: string, action: string, status: StatusLevel, options?: PostOptions): StatusEntry;

  /**
   * Posts an entry and resolves once it is durably stored and every subscriber has been called
   * with it (each waited on for at most `subscriberTimeoutMs`). Before the application has
   * bootstrapped, it resolves once stored: delivery has not started yet. What `post` refuses,
   * it rejects.
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
  ): Promise<StatusEntry>;

  /** The last `n` entries (at most `MAX_RECENT`) matching the filters, oldest first. */
  recent(n?: number, filter?: StatusFilter): Promise<StatusEntry[]>;

  /**
   * Up to `limit` entries after position `seq` that match `filter`, oldest first: what a reader
   * that last saw `seq` missed.
   * @throws StatusResumePointLostError when the store no longer keeps all of them (`seq` is
   * older than its oldest entry), naming the oldest position it keeps: never a silent gap
   */
  entriesAfter(seq: number, limit?: number, filter?: StatusFilter): Promise<StatusEntry[]>;

  /**
   * The position of the oldest entry the store still keeps (`0` when empty): a reader that
   * last saw a position below `oldestSeq() - 1` has missed entries that are gone (the in-memory
   * backend keeps the last `maxEntries`).
   */
  oldestSeq(): Promise<number>;

  /** The last `n` entries as text, one line each: `[HH:MM:SS] agent: action → status | detail`. */
  recentText(n?: number, filter?: StatusFilter): Promise<string>;

  /** Whether a `completed` entry exists (from `agentId`, in `roomId`, when given), however old. */
  hasCompleted(agentId?: string, scope?: { roomId?: string }): Promise<boolean>;

  /**
   * The session summary of the last `n` entries (by default `maxEntries`), in the reference
   * layout: a numbered line per entry with its icon, its detail below, totals at the end.
   */
  summary(n?: number, filter?: StatusFilter): Promise<string>;

  /** Writes `summary()` to the Nest logger. */
  printSummary(n?: number, filter?: StatusFilter): Promise<void>;

  /**
   * Calls `callback` with every entry stored from now on that matches the filters, in log
   * order. Each subscriber has its own queue: a slow or throwing one holds up nobody else.
   *
   * With `after` (the `seq` of the last entry the subscriber has), it first gets every entry
   * the store keeps after that position, then the live ones: in order, exactly once, never a
   * gap, however slow it is (it is then fed from the store).
   * @returns a function that unsubscribes
   * @throws StatusResumePointLostError with `after`, when the store no longer keeps every entry
   * after it
   */
  subscribe(callback: StatusSubscriber, options?: SubscribeOptions): Promise<Unsubscribe>;

  /** Removes every subscription of `callback`. */
  unsubscribe(callback: StatusSubscriber): Promise<void>;

  /**
   * What every agent is doing now: its latest entry, per room (in `roomId`, when given).
   * Answered from memory, kept current by the event feed from every instance and rebuilt from
   * the last 10,000 entries at start. Without `roomId`, the `maxCachedRooms` rooms active most
   * recently; a room forgotten since is read again from the store (its last 10,000 entries)
   * when asked for by `roomId`.
   */
  snapshot(scope?: { roomId?: string }): Promise<AgentSnapshot[]>;

  /** Resolves once every entry posted before the call is stored and delivered. */
  flush(): Promise<void>;

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
  health(): StatusBusHealth;

  /** Counters for monitoring. */
  stats(): StatusBusStats;

  /** How many positions each subscriber (the bus's sinks included) is behind delivery. */
  subscriberLags(): { name: string; lag: number }[];

  /**
   * Tells `instrumentation` of the bus's work from now on (posts, appends, deliveries): the
   * extension point of metrics and traces.
   * @returns a function that stops telling it
   */
  instrument(instrumentation: StatusInstrumentation): () => void;

  /**
   * Flushes what was posted (waiting at most `shutdownTimeoutMs`), then releases the backend
   * and the file. Later posts throw `StatusBusClosedError`. Runs by itself on shutdown.
   */
  close(): Promise<void>;
}
