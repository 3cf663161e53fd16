import type { StatusFilter } from '../backends/status-backend';
import type { StatusEntry } from '../entry/status-entry';
import type { StatusLog } from '../log/status-log';
import { MAX_RECENT } from '../log/status-query';
import type { Unsubscribe } from './status-subscriber';

/** A feature's read model, as the follower builds and feeds it. */
export interface ReadModel {
  /** Forgets everything, before it is built again. */
  clear(): void;
  /** Takes an entry in; entries may come more than once, and the higher position wins. */
  record(entry: StatusEntry): void;
}

/**
 * Builds a feature's read model on its first read, not before, and keeps it current after: the
 * store's latest entries that pass `filter` (as many as `recent` gives), then every entry after
 * what that read reached, fed by the log ahead of every subscriber (`StatusLog.follow`). A read
 * model nobody reads costs nothing, and keeps its instance from tailing the log; one that is
 * read holds, once `ready` resolves, every entry delivered on this instance so far.
 */
export class ReadModelFollower {
  private following: Promise<void> | undefined;
  private unfollow: Unsubscribe | undefined;
  private stopped = false;

  constructor(
    private readonly log: Pick<StatusLog, 'open' | 'follow' | 'backend' | 'reader'>,
    private readonly model: ReadModel,
    private readonly filter: StatusFilter = {},
  ) {}

  /**
   * Resolves once the read model holds every entry delivered here so far, building it first
   * on the first call; a build that failed is tried again by the next call.
   */
  ready(): Promise<void> {
    this.following ??= this.start().catch((err: unknown) => {
      this.following = undefined;
      throw err;
    });
    return this.following;
  }

  /** Stops keeping the read model current. */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.unfollow?.();
  }

  private async start(): Promise<void> {
    await this.log.open();
    const after = await this.build();
    if (this.stopped) return;
    const model = this.model;
    return new Promise<void>((resolve, reject) => {
      let waiting = true;
      this.unfollow = this.log.follow((entry) => model.record(entry), after, {
        onCaughtUp: () => {
          if (waiting) resolve();
          waiting = false;
        },
        // Entries the model had not read were removed (retention outran it): built again,
        // now for whoever waits, else on the next read.
        onLost: () => {
          this.unfollow = undefined;
          this.following = undefined;
          if (waiting) this.ready().then(resolve, reject);
          waiting = false;
        },
      });
    });
  }

  /**
   * Takes in the store's latest entries; answers the position the log goes on from. The head is
   * read first, so that nothing appended while the entries are read falls between the two.
   */
  private async build(): Promise<number> {
    this.model.clear();
    const head = await this.log.backend.head();
    const entries = await this.log.reader.recent(MAX_RECENT, this.filter);
    for (const entry of entries) this.model.record(entry);
    return Math.max(head, entries[entries.length - 1]?.seq ?? 0);
  }
}
