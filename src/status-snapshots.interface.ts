import type { StatusLevel } from './entry/status-level';

/** What one agent is doing now: its latest entry in a room. */
export interface AgentSnapshot {
  agentId: string;
  roomId: string;
  status: StatusLevel;
  action: string;
  detail: string;
  /** When that latest entry was posted (ISO 8601 UTC). */
  since: string;
  /** Its position in the log. */
  seq: number;
}

/**
 * What `StatusBusService.snapshot()` answers from: the read model of every agent's latest
 * entry, kept by the snapshot part (`AgentSnapshots`), which registers itself with the log.
 */
export interface StatusSnapshots {
  /** Every agent's latest entry, in `roomId` when given, ordered by room, then agent. */
  snapshot(roomId?: string): Promise<AgentSnapshot[]>;
}
