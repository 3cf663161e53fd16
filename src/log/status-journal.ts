import type { StatusEntry } from '../entry/status-entry';

/**
 * A copy of the log kept outside the store (the JSONL file of `persistPath`). The log reads it
 * back into a store that keeps history only in memory when it opens, appends each stored batch
 * to it before delivering that batch (so the copy never lags what subscribers saw), and closes
 * it last. Provided by the module under `STATUS_JOURNAL` when one is configured.
 */
export interface StatusJournal {
  readAll(): Promise<StatusEntry[]>;
  append(entries: readonly StatusEntry[]): Promise<void>;
  close(): Promise<void>;
}
