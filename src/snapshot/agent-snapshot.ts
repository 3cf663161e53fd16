import type { StatusEntry } from '../entry/status-entry';
import type { AgentSnapshot } from '../status-snapshots.interface';
export type { AgentSnapshot } from '../status-snapshots.interface';

/** An agent's snapshot in the wire form, with the entry's field names. */
export interface AgentSnapshotJson {
  agent_id: string;
  room_id: string;
  status: string;
  action: string;
  detail: string;
  since: string;
  seq: number;
}

export function agentSnapshotJson(agent: AgentSnapshot): AgentSnapshotJson {
  return {
    agent_id: agent.agentId,
    room_id: agent.roomId,
    status: agent.status,
    action: agent.action,
    detail: agent.detail,
    since: agent.since,
    seq: agent.seq,
  };
}

/** What `entry` says of its agent: the agent's snapshot, if it is the agent's latest entry. */
export function agentSnapshotOf(entry: StatusEntry): AgentSnapshot {
  const snapshot = { agentId: entry.agentId, roomId: entry.roomId } as AgentSnapshot;
  advanceSnapshot(snapshot, entry);
  return snapshot;
}

/**
 * Moves `snapshot` on to `entry`, a later entry of the same agent in the same room, in place:
 * the read model keeps one object per agent rather than making one per post.
 */
export function advanceSnapshot(snapshot: AgentSnapshot, entry: StatusEntry): void {
  snapshot.status = entry.status;
  snapshot.action = entry.action;
  snapshot.detail = entry.detail;
  snapshot.since = entry.ts;
  snapshot.seq = entry.seq ?? 0;
}
