import { StatusFilter } from '../backends/status-backend';
import { StatusEntry } from '../entry/status-entry';

/** A callback told of every entry; sync or async. What it returns is ignored. */
export type StatusSubscriber = (entry: StatusEntry) => unknown;

/** Only entries matching these exact values reach the subscriber. */
export type SubscribeOptions = StatusFilter;

/** Calling it unsubscribes; resolves once the subscriber will not be called again. */
export type Unsubscribe = () => Promise<void>;
