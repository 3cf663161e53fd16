import type { StatusEntry } from '../entry/status-entry';

/** How the writer batches and retries. */
export interface StatusWriterSettings {
  /** Most entries written in one `append`. */
  maxBatchSize: number;
  /** Most entries waiting to be written; `post` is refused beyond it. */
  maxBufferedEntries: number;
  /**
   * Told of each append the store accepted: how many entries, how many ms after sending. Set
   * and unset while the writer runs: appends are timed only while someone is told.
   */
  onAppended?: (count: number, ms: number) => void;
  /** First wait after a failed append; doubles up to `retryMaxMs`. */
  retryInitialMs: number;
  retryMaxMs: number;
}

/** What happens with entries once the backend has stored them (JSONL, then the feed). */
export type StoredHandler = (stored: StatusEntry[]) => Promise<void> | void;

/** An entry waiting its turn to be stored; set `onStored` to be told of its stored copy. */
export interface Queued {
  readonly entry: StatusEntry;
  onStored?: (stored: StatusEntry) => void;
}
