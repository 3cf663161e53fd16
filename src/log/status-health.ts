import type { StatusBackend } from '../backends/status-backend';
import type { StatusDispatcher } from '../delivery/status-dispatcher';
import type { StatusFeed } from '../delivery/status-feed';
import type { StatusWriter } from '../writing/status-writer';
import type { StatusLogOptions } from './status-log-options';

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
  /** Entries handed to this instance's subscribers since start, from every instance. */
  delivered: number;
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

/** How recent a subscriber's skipped entry must be for the bus to count as degraded. */
export const SKIPPING_WINDOW_MS = 60_000;

/**
 * How many failed maintenance passes in a row make the bus degraded: one can be a passing
 * fault (a lock held a moment too long), retried within a minute.
 */
const MAINTENANCE_FAILURES_SHOWN = 3;

/** The parts of the log whose state health and counters are read from. */
export interface StatusLogParts {
  readonly options: StatusLogOptions;
  readonly backend: StatusBackend;
  readonly writer: StatusWriter;
  readonly dispatcher: StatusDispatcher;
  readonly feed: StatusFeed;
}

/**
 * Judges whether the log can do its work; `StatusBusService.health()` documents the rules.
 */
export function judgeHealth(log: StatusLogParts): StatusBusHealth {
  const { writer, dispatcher, feed, backend } = log;
  const { maxBufferedEntries: max, postTimeoutMs } = log.options;
  const buffered = writer.buffered;
  const failingFor = writer.failingForMs;
  const readsFailingFor = feed.failingForMs;
  const lastSkip = dispatcher.lastSkippedAt();
  const skipping = lastSkip !== 0 && Date.now() - lastSkip < SKIPPING_WINDOW_MS;
  const watching = backend.watching ?? true;
  const down: string[] = [];
  const degraded: string[] = [];
  if (buffered >= max) down.push(`the buffer is full (${buffered} entries): posts are refused`);
  if (failingFor >= postTimeoutMs) down.push(`the store has refused appends for ${failingFor} ms`);
  if (readsFailingFor >= postTimeoutMs) {
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
  const upkeep = backend.maintenance?.();
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

/** The log's counters, gathered from the parts that keep them. */
export function countStats(log: StatusLogParts): StatusBusStats {
  const { writer, dispatcher, feed, backend } = log;
  const written = writer.stats;
  const subscribers = dispatcher.counters();
  const removed = backend.removed?.();
  return {
    accepted: written.accepted,
    stored: written.written,
    buffered: writer.buffered,
    failedAppends: written.failedAppends,
    rejectedFull: written.rejectedFull,
    deliveredSeq: dispatcher.position,
    delivered: dispatcher.handed,
    catchUpReads: feed.reads,
    subscribers: dispatcher.subscriberCount,
    subscriberErrors: subscribers.errors,
    subscriberTimeouts: subscribers.timeouts,
    subscriberSkipped: subscribers.skipped,
    behindHorizon: feed.behindHorizon,
    removedEntries: removed?.entries ?? 0,
    removedPartitions: removed?.partitions ?? 0,
    failedMaintenance: backend.maintenance?.().failedPasses ?? 0,
  };
}
