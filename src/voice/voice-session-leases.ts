import { Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { VoiceStore } from './voice-store';

/**
 * This instance's hold on its live voice sessions, in a store that several instances share,
 * so that any instance can tell whether a room has a voice session anywhere.
 *
 * A hold is written when the sessions of a room are first seen or change, and renewed every
 * third of the lease by asking the channel again; a room whose sessions are all gone is let go.
 * An instance that dies stops renewing and its sessions count as gone when their leases run
 * out. With a store that is this instance's alone (`shared` false), nothing is written: its
 * own view of its sessions is the whole truth.
 */
export class VoiceSessionLeases {
  private readonly holder = randomUUID();
  /** Rooms where this instance holds sessions: which ones, and when the hold is due again. */
  private readonly rooms = new Map<string, { ids: string; renewAt: number }>();
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private readonly logger = new Logger('StatusBus');

  /**
   * @param sessionsOf the ids of this instance's live sessions in a room, asked of the channel
   */
  constructor(
    private readonly store: VoiceStore,
    private readonly leaseMs: number,
    private readonly sessionsOf: (roomId: string) => Promise<string[]>,
  ) {}

  /** Whether the store is shared, so that other instances' sessions must be asked for. */
  get shared(): boolean {
    return this.store.shared;
  }

  /** Holds `sessionIds` (none: lets the room go) as this instance's sessions in `roomId`. */
  async hold(roomId: string, sessionIds: readonly string[]): Promise<void> {
    if (!this.shared || this.stopped) return;
    const ids = [...sessionIds].sort().join('\u0000');
    const known = this.rooms.get(roomId);
    if (known ? known.ids === ids && Date.now() < known.renewAt : ids === '') return;
    await this.store.hold(this.holder, roomId, sessionIds, this.leaseMs);
    if (this.stopped) {
      // Written while the instance was shutting down (a delivery still under way): let it go
      // again, or other instances would count a gone session as live until its lease ran out.
      await this.store.hold(this.holder, roomId, [], this.leaseMs);
      return;
    }
    if (ids === '') {
      this.rooms.delete(roomId);
      return;
    }
    this.rooms.set(roomId, { ids, renewAt: Date.now() + this.leaseMs / 3 });
    this.timer ??= setInterval(() => void this.renew(), this.leaseMs / 3);
    this.timer.unref();
  }

  /** Whether any instance (this one included) holds a live session in `roomId`. */
  heldAnywhere(roomId: string): Promise<boolean> {
    return this.store.held(roomId);
  }

  /** Lets every room go, so other instances need not wait for the leases to run out. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    this.timer = undefined;
    const rooms = [...this.rooms.keys()];
    this.rooms.clear();
    await Promise.all(
      rooms.map((roomId) => this.store.hold(this.holder, roomId, [], this.leaseMs).catch(() => {})),
    );
  }

  private async renew(): Promise<void> {
    for (const roomId of [...this.rooms.keys()]) {
      try {
        await this.hold(roomId, await this.sessionsOf(roomId));
      } catch (err) {
        this.logger.warn(
          `Renewing the voice sessions of room "${roomId}" failed: ${(err as Error).message}`,
        );
      }
    }
  }
}
