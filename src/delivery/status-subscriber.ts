import { StatusFilter } from '../backends/status-backend';
import { StatusEntry } from '../entry/status-entry';
import type { StatusResumePointLostError } from '../errors/status-bus.errors';

/** A callback told of every entry; sync or async. What it returns is ignored. */
export type StatusSubscriber = (entry: StatusEntry) => unknown;

/** Which entries reach a subscriber, and from where. */
export interface SubscribeOptions extends StatusFilter {
  /**
   * Start after this position (the `seq` of the last entry the subscriber has): every entry
   * after it that matches, first from the store, then live, in order, exactly once, with no
   * gap. Such a subscriber is called one entry at a time and awaited; when it is slower than
   * the flow, it is fed from the store rather than skipped, and `postAsync` never waits for it.
   * `subscribe` rejects with `StatusResumePointLostError` when the store no longer keeps every
   * entry after it. Without `after`, the subscriber gets what is stored from now on, and skips
   * entries once `subscriberMaxQueue` wait for it.
   */
  after?: number;
  /**
   * Told, with `after`, when entries the subscriber had not been given yet were removed from
   * the store before it could read them (it fell behind retention): the subscription has ended,
   * and the subscriber starts again from the current state. By default, an error is logged.
   */
  onLost?: (error: StatusResumePointLostError) => void;
  /**
   * Told, with `after`, each time the subscriber has been given everything there is so far
   * (what the store kept after `after`, and what came live since), with the position it stands
   * at: from there on it waits for new entries. A history shown before live updates, say.
   */
  onCaughtUp?: (position: number) => void;
  /**
   * With `after`: how many live entries may wait in memory while the subscriber is busy; beyond
   * that they are dropped and read from the store once it is done. @default subscriberMaxQueue
   */
  maxQueue?: number;
}

/** Calling it unsubscribes; resolves once the subscriber will not be called again. */
export type Unsubscribe = () => Promise<void>;
