import { StatusEntry } from '../../entry/status-entry';
import { JsonValue } from '../../entry/status-entry.validation';
import { StatusLevel } from '../../entry/status-level';

/** A row of `status_bus_entries` as the bus reads it (with {@link COLUMNS}). */
export interface EntryRow {
  seq: string;
  entry_id: string;
  ts: string;
  agent_id: string;
  action: string;
  status: StatusLevel;
  detail: string;
  metadata: Record<string, JsonValue>;
  room_id: string;
}

/** Columns as `StatusEntry` wants them; `ts` in the reference's form, whatever the session zone. */
export const COLUMNS = `seq, entry_id,
  to_char(ts AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"+00:00"') AS ts,
  agent_id, action, status, detail, metadata, room_id`;

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    for (const key of Object.keys(value)) deepFreeze((value as Record<string, unknown>)[key]);
    Object.freeze(value);
  }
  return value;
}

/** The entry a row holds, its metadata frozen as every entry's is. */
export function toEntry(row: EntryRow): StatusEntry {
  return new StatusEntry({
    id: row.entry_id,
    seq: Number(row.seq),
    ts: row.ts,
    agentId: row.agent_id,
    action: row.action,
    status: row.status,
    detail: row.detail,
    metadata: deepFreeze(row.metadata),
    roomId: row.room_id,
  });
}
