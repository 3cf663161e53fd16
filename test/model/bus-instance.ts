import {
  StatusBufferFullError,
  StatusBusService,
  StatusEntry,
  StatusEntryJson,
  StatusStoreTimeoutError,
  Unsubscribe,
} from '../../src';
import { startBusApp, BusApp } from '../support/bus-app';
import { StoreConfig, storeOptions } from './model-store';

/** An entry as a subscriber received it: its wire form and its id. */
export interface SeenEntry extends StatusEntryJson {
  id: string;
}

/** How an instance of a run is configured. */
export interface InstanceConfig {
  store: StoreConfig;
  maxBatchSize: number;
  /**
   * Whether a subscriber records from the start; without one, nothing takes entries on the
   * instance (it reads nothing back) except while a subscriber has joined.
   */
  recorder: boolean;
}

/** What a subscriber that joined received, and whether it is still subscribed. */
export interface JoinedSegment {
  seen: SeenEntry[];
  active: boolean;
}

/**
 * One bus instance as the model-based test drives it, whether it runs in the test's process
 * or in a child process (`ProcessInstance`): the same operations, answered the same way.
 */
export interface ModelInstance {
  /** `post` of each action, in one turn of the event loop: how many the bus accepted. */
  post(actions: string[]): Promise<number>;
  /** `postAsync`: whether the bus acknowledged it (stored and delivered) in time. */
  postAsync(action: string): Promise<boolean>;
  flush(): Promise<void>;
  /** What this instance's subscriber from the start has received so far, in order. */
  seen(): Promise<SeenEntry[]>;
  /** Subscribes one more recorder from now on; one at a time. */
  join(): Promise<void>;
  /** Unsubscribes the recorder that joined last, if it is still subscribed. */
  leave(): Promise<void>;
  /** What each recorder that joined received, in the order they joined. */
  joined(): Promise<JoinedSegment[]>;
  recent(n: number, roomId?: string): Promise<StatusEntryJson[]>;
  snapshot(): Promise<{ agentId: string; roomId: string; seq: number }[]>;
  close(): Promise<void>;
}

const seenOf = (e: StatusEntry): SeenEntry => ({ ...e.toJSON(), id: e.id });

/** An instance in this process: a Nest application with the bus, and a recording subscriber. */
export class InlineInstance implements ModelInstance {
  private readonly received: SeenEntry[] = [];
  private readonly segments: JoinedSegment[] = [];
  private stopJoined: Unsubscribe | undefined;
  private posts = 0;

  private constructor(private readonly app: BusApp) {}

  static async start(config: InstanceConfig): Promise<InlineInstance> {
    const app = await startBusApp({
      ...storeOptions(config.store),
      maxBatchSize: config.maxBatchSize,
      postTimeoutMs: 30_000,
    });
    const instance = new InlineInstance(app);
    if (config.recorder) {
      await app.bus.subscribe((e) => {
        instance.received.push(seenOf(e));
      });
    }
    return instance;
  }

  async join(): Promise<void> {
    if (this.stopJoined) return;
    const segment: JoinedSegment = { seen: [], active: true };
    this.segments.push(segment);
    this.stopJoined = await this.bus.subscribe((e) => {
      segment.seen.push(seenOf(e));
    });
  }

  async leave(): Promise<void> {
    const stop = this.stopJoined;
    if (!stop) return;
    this.stopJoined = undefined;
    this.segments[this.segments.length - 1]!.active = false;
    await stop();
  }

  async joined(): Promise<JoinedSegment[]> {
    return this.segments.map((s) => ({ seen: [...s.seen], active: s.active }));
  }

  private get bus(): StatusBusService {
    return this.app.bus;
  }

  async post(actions: string[]): Promise<number> {
    let accepted = 0;
    for (const action of actions) {
      try {
        this.bus.post(...this.author(), action, 'info', {
          metadata: { action },
          roomId: this.room(),
        });
        accepted += 1;
      } catch (err) {
        // The buffer is full: later posts would be refused too. Anything else is a defect.
        if (!(err instanceof StatusBufferFullError)) throw err;
        break;
      }
    }
    return accepted;
  }

  async postAsync(action: string): Promise<boolean> {
    const room = this.room();
    return this.bus
      .postAsync(...this.author(), action, 'ok', { metadata: { action }, roomId: room })
      .then(
        () => true,
        (err: unknown) => {
          // Not acknowledged in time (an outage): allowed. Anything else is a defect.
          if (err instanceof StatusStoreTimeoutError || err instanceof StatusBufferFullError) {
            return false;
          }
          throw err;
        },
      );
  }

  flush(): Promise<void> {
    return this.bus.flush();
  }

  async seen(): Promise<SeenEntry[]> {
    return [...this.received];
  }

  async recent(n: number, roomId?: string | null): Promise<StatusEntryJson[]> {
    // Over IPC, an argument left out arrives as null.
    return (await this.bus.recent(n, { roomId: roomId ?? undefined })).map((e) => e.toJSON());
  }

  /**
   * Entries come from three agents in four rooms, in turn, so that the snapshot and filtered
   * reads have something to tell apart.
   */
  private author(): [agentId: string] {
    return [`agent-${this.posts % 3}`];
  }

  private room(): string {
    return `room-${this.posts++ % 4}`;
  }

  async snapshot(): Promise<{ agentId: string; roomId: string; seq: number }[]> {
    return (await this.bus.snapshot()).map(({ agentId, roomId, seq }) => ({
      agentId,
      roomId,
      seq,
    }));
  }

  close(): Promise<void> {
    return this.app.app.close();
  }
}
