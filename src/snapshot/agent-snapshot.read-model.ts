import { StatusEntry } from '../entry/status-entry';
import { BoundedMap } from '../util/bounded-map';
import { advanceSnapshot, AgentSnapshot, agentSnapshotOf } from './agent-snapshot';

/**
 * One room's agents, and whether they are all known: only once the room has been read from the
 * store (its own entries, however old); the entries an instance saw pass by may leave out an
 * agent that was quiet since before it started.
 */
interface RoomAgents {
  agents: Map<string, AgentSnapshot>;
  complete: boolean;
}

/**
 * The latest entry of every agent in the rooms active most recently, kept in memory from the
 * event feed, so "what is everyone doing?" costs no query. Entries may arrive more than once
 * and out of order (a rebuild overlapping the feed); the highest position wins.
 *
 * Memory is bounded: at most `maxRooms` rooms are kept, each agent's latest entry without its
 * metadata; the room idle longest is forgotten first. A room is read from the store the first
 * time it is asked about, and again after it was forgotten (see `needsRebuild`).
 */
export class AgentSnapshotReadModel {
  private rooms: BoundedMap<string, RoomAgents>;

  constructor(private readonly maxRooms: number) {
    this.rooms = new BoundedMap(maxRooms);
  }

  /** Forgets everything, before it is built again. */
  clear(): void {
    this.rooms = new BoundedMap(this.maxRooms);
  }

  record(entry: StatusEntry): void {
    let room = this.rooms.get(entry.roomId);
    if (!room) {
      room = { agents: new Map(), complete: false };
      this.rooms.set(entry.roomId, room);
    }
    const current = room.agents.get(entry.agentId);
    if (!current) room.agents.set(entry.agentId, agentSnapshotOf(entry));
    // In place, not replaced: `snapshot` hands out copies.
    else if (current.seq < (entry.seq ?? 0)) advanceSnapshot(current, entry);
  }

  /** Whether `roomId` must be read from the store before its snapshot can be trusted. */
  needsRebuild(roomId: string): boolean {
    return !this.rooms.get(roomId)?.complete;
  }

  /** Takes in `entries`, the store's latest of `roomId`: the room's snapshot is whole. */
  rebuild(roomId: string, entries: readonly StatusEntry[]): void {
    for (const entry of entries) this.record(entry);
    let room = this.rooms.get(roomId);
    if (!room) {
      // A room with no entries at all: known to be empty, until its first entry.
      room = { agents: new Map(), complete: true };
      this.rooms.set(roomId, room);
    }
    room.complete = true;
  }

  /** How many rooms are kept. */
  get size(): number {
    return this.rooms.size;
  }

  /** Every agent's latest entry, in `roomId` when given, ordered by room, then agent. */
  snapshot(roomId?: string): AgentSnapshot[] {
    const rooms = roomId === undefined ? [...this.rooms.values()] : [this.rooms.get(roomId)];
    const result = rooms.flatMap((room) =>
      room ? [...room.agents.values()].map((a) => ({ ...a })) : [],
    );
    return result.sort(
      (a, b) => a.roomId.localeCompare(b.roomId) || a.agentId.localeCompare(b.agentId),
    );
  }
}
