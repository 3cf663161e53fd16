import type { StatusLog } from '../log/status-log';
import type { StatusSubscriber, Unsubscribe } from './status-subscriber';

/** Where a read model, just built from the store, goes on from, and how it takes an entry. */
export interface ReadModelStart {
  /** The position the build read up to: every entry after it is handed to `record`. */
  after: number;
  record: StatusSubscriber;
}

/**
 * Builds a feature's read model on its first read, not before, and keeps it current after:
 * `build` reads the store, then the log feeds the model every entry after what the build read,
 * ahead of every subscriber (`StatusLog.follow`). A read model nobody reads costs nothing, and
 * keeps its instance from tailing the log; one that is read holds, once `ready` resolves,
 * every entry delivered on this instance so far.
 */
export class ReadModelFollower {
  private following: Promise<void> | undefined;
  private unfollow: Unsubscribe | undefined;
  private stopped = false;

  constructor(
    private readonly log: Pick<StatusLog, 'open' | 'follow'>,
    private readonly build: () => Promise<ReadModelStart>,
  ) {}

  /** Whether the read model is being kept current (it has been read). */
  get active(): boolean {
    return this.following !== undefined;
  }

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
    const { after, record } = await this.build();
    if (this.stopped) return;
    return new Promise<void>((resolve, reject) => {
      let waiting = true;
      this.unfollow = this.log.follow(record, after, {
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
}
