import { StatusLevel } from '../entry/status-level';

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
