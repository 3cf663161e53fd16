import type { StatusEntryLimits } from '../entry/status-entry-limits';

/**
 * What the core reads of the module's options, resolved (defaults filled in, checked): the
 * log's limits and timeouts. The module's own options type extends it with what its features
 * read; the core never sees those.
 */
export interface StatusLogOptions {
  maxEntries: number;
  limits: StatusEntryLimits;
  subscriberTimeoutMs: number;
  subscriberMaxQueue: number;
  maxBufferedEntries: number;
  maxBatchSize: number;
  postTimeoutMs: number;
  shutdownTimeoutMs: number;
  defaultRoomId: string;
  /** `undefined` means the system clock, read with sub-millisecond precision. */
  clock: (() => number) | undefined;
}
