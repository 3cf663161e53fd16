import { StatusEntry } from '../entry/status-entry';
import { StatusLevel } from '../entry/status-level';
import type { ScriptPort } from './script-port';
import type { SqlPort } from './sql-port';

/** Exact-match filters; both given means both must match. */
export interface StatusFilter {
  agentId?: string;
  status?: StatusLevel;
  roomId?: string;
}

/** Stops a {@link StatusBackend.watch} registration. */
export type StopWatching = () => Promise<void>;

/** How a backend's upkeep goes: see {@link StatusBackend.maintenance}. */
export interface StatusMaintenance {
  /** Passes that failed since start. */
  failedPasses: number;
  /** Passes that failed since the last that succeeded. */
  failingInARow: number;
  /** What the last failed pass said, while failing. */
  lastError?: string;
}

/**
 * Where entries are stored, and how an instance learns of entries other instances appended.
 *
 * The bus calls `append` from a single writer at a time, with batches in post order; the store
 * assigns each entry its `seq`. Everything else (subscribers, `status_posted`, ordering across
 * instances) is the bus's job, so a backend stays a small, testable piece.
 *
 * @example
 * class MyBackend extends StatusBackend { ... }
 * StatusBusModule.forRoot({ backend: new MyBackend() })
 */
export abstract class StatusBackend {
  /**
   * How many appends the bus may have on their way at once. Above 1, the backend must apply
   * them in the order they were called, and an append must fail when the one called before it
   * failed; the bus then resends both, so appends must also be idempotent (see `append`).
   * @default 1
   */
  readonly pipelining?: number;

  /**
   * Whether the store lives in this process and answers without I/O. The bus then hands
   * entries from stage to stage on microtasks rather than on turns of the event loop, which
   * would cost more than the store itself.
   * @default false
   */
  readonly inProcess?: boolean;

  /**
   * Whether other writers' appends are being notified right now. `false` while the watch is
   * reconnecting: the poll still finds their entries, later. Backends without a watch leave
   * this out.
   */
  get watching(): boolean | undefined {
    return undefined;
  }

  /** Opens connections and prepares storage. Called once, before the first `append`. */
  async open(): Promise<void> {}

  /**
   * Stores `entries` in the given order and returns them with `seq` set, in the same order.
   * Positions must grow with commit order: once an entry at `seq` is visible to `readAfter`,
   * no entry with a lower `seq` may become visible later. Appending an entry whose `id` is
   * already stored must not store it twice (a retried batch); return the stored copy instead.
   */
  abstract append(entries: readonly StatusEntry[]): Promise<StatusEntry[]>;

  /**
   * `append` done at once, for a store in this process (`inProcess`): the bus then stores a
   * batch, delivers it and answers its posts in one step, with no promise between them. It
   * follows `append`'s rules; a throw is a failed append, retried through `append`. A subclass
   * that overrides `append` alone is written to through its `append`.
   */
  appendNow?(entries: readonly StatusEntry[]): StatusEntry[];

  /** The last `n` entries that match `filter`, oldest first. */
  abstract recent(n: number, filter?: StatusFilter): Promise<StatusEntry[]>;

  /** Whether any `completed` entry exists (from `agentId`, in `roomId`, when given), however old. */
  abstract hasCompleted(agentId?: string, roomId?: string): Promise<boolean>;

  /** The `seq` of the newest stored entry, `0` when the log is empty. */
  abstract head(): Promise<number>;

  /**
   * Up to `limit` entries with `seq > after` that match `filter`, oldest first: how the feed
   * catches up (without a filter) and how a filtered stream resumes.
   */
  abstract readAfter(after: number, limit: number, filter?: StatusFilter): Promise<StatusEntry[]>;

  /**
   * The position of the oldest entry the store still keeps, `0` when it keeps none. A reader
   * that last saw a position below `oldest() - 1` has missed entries the store no longer has.
   * Backends that keep every entry may leave this out.
   */
  oldest?(): Promise<number>;

  /**
   * What retention has removed from the store since start, for monitoring; backends without
   * retention leave this out.
   */
  removed?(): { partitions: number; entries: number };

  /**
   * How the store's own upkeep goes (partitions, retention), for monitoring; backends without
   * any leave this out. Upkeep that fails is retried, and never stops the bus.
   */
  maintenance?(): StatusMaintenance;

  /**
   * Loads history kept elsewhere (the JSONL file) into a backend that keeps it only in memory.
   * Backends with their own durable storage leave this out.
   */
  restore?(entries: readonly StatusEntry[]): Promise<void>;

  /**
   * Calls `onAppended` whenever another writer may have appended entries, so the feed reads
   * them at once instead of waiting for a poll; `position`, when known, is the newest one. It is
   * a hint: the feed always reads the entries themselves with `readAfter`, so a wrong or forged
   * position costs a read, never a skipped or invented entry. Backends used by one process only
   * leave this out. `onAppended` may be called spuriously; it must never be missed for long.
   */
  watch?(onAppended: (position?: number) => void): Promise<StopWatching>;

  /**
   * Statements on the store's own connections, for the parts that keep tables beside the log
   * (voice, A2A); a backend on a SQL database with those tables offers it, any other leaves it
   * out and those parts keep their state in memory.
   */
  readonly sql?: SqlPort;

  /**
   * Scripts on the store's own connections, for the same parts, on a backend on Redis; any
   * other leaves it out.
   */
  readonly scripts?: ScriptPort;

  /** Releases connections. Called once, after the last `append`. */
  async close(): Promise<void> {}
}
