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
  return {
    agentId: entry.agentId,
    roomId: entry.roomId,
    status: entry.status,
    action: entry.action,
    detail: entry.detail,
    since: entry.ts,
    seq: entry.seq ?? 0,
  };
}
