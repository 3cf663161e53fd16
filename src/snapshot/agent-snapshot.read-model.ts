import { StatusEntry } from '../entry/status-entry';
import { AgentSnapshot } from './agent-snapshot';

/**
 * The latest entry of every agent in every room, kept in memory from the event feed, so
 * "what is everyone doing?" costs no query. Entries may arrive more than once and out of
 * order (a rebuild overlapping the feed); the highest position wins.
 */
export class AgentSnapshotReadModel {
  private readonly latest = new Map<string, StatusEntry>();

  record(entry: StatusEntry): void {
    const key = `${entry.roomId}\u0000${entry.agentId}`;
    const current = this.latest.get(key);
    if (!current || (current.seq ?? 0) < (entry.seq ?? 0)) this.latest.set(key, entry);
  }

  /** Every agent's latest entry, in `roomId` when given, ordered by room, then agent. */
  snapshot(roomId?: string): AgentSnapshot[] {
    const result: AgentSnapshot[] = [];
    for (const e of this.latest.values()) {
      if (roomId !== undefined && e.roomId !== roomId) continue;
      result.push({
        agentId: e.agentId,
        roomId: e.roomId,
        status: e.status,
        action: e.action,
        detail: e.detail,
        since: e.ts,
        seq: e.seq ?? 0,
      });
    }
    return result.sort(
      (a, b) => a.roomId.localeCompare(b.roomId) || a.agentId.localeCompare(b.agentId),
    );
  }
}
