import { StatusEntry } from '../entry/status-entry';

/**
 * What the bus tells about its own work, for metrics and traces. Every method is optional and
 * is called synchronously on the bus's path, so it must be cheap and must not throw (a throw is
 * caught and logged once).
 */
export interface StatusInstrumentation {
  /**
   * Fields to add to the metadata of an entry being posted (the poster's trace context, say),
   * or nothing. Called before the entry is validated, so what it adds counts toward the limits.
   */
  annotate?(): Record<string, string> | undefined;
  /**
   * Runs `call`, which hands `entry` to one subscriber (`subscriber` is its name), and answers
   * what it answers: to run it in a context of its own (a span). Several instrumentations wrap
   * one another.
   */
  deliver?(entry: StatusEntry, subscriber: string, call: () => unknown): unknown;
  /** An entry was accepted by `post` or `postAsync` on this instance. */
  posted?(entry: StatusEntry): void;
  /** The store took `count` entries in one append, `ms` after it was sent. */
  appended?(count: number, ms: number): void;
  /**
   * Entries were handed to the subscribers, in log order; `remote` when another instance
   * appended them (this one read them from the store).
   */
  dispatched?(entries: readonly StatusEntry[], remote: boolean): void;
}
