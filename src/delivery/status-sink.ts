import { StatusSubscriber } from './status-subscriber';

/**
 * Something inside the module fed every entry like a subscriber (the `status_posted` emitter,
 * the CQRS event bus). The bus starts delivering only once every sink is connected, so entries
 * posted while the application boots reach them too.
 */
export interface StatusSink {
  /** A name for logs and stats. */
  readonly name: string;
  /** Resolves with the callback to feed, or `undefined` when the sink is turned off. */
  connect(): Promise<StatusSubscriber | undefined>;
}
