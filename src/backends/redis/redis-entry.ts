import { StatusEntry } from '../../entry/status-entry';
import type { JsonValue } from '../../entry/status-entry.validation';
import type { StatusLevel } from '../../entry/status-level';
import { deepFreeze } from '../../util/deep-freeze';

/** An entry as the stream stores it: [id, ts, agent_id, action, status, detail, metadata, room_id]. */
type StoredEntry = [
  string,
  string,
  string,
  string,
  StatusLevel,
  string,
  Record<string, JsonValue>,
  string,
];

/** An entry as the stream stores it, in JSON. */
export function stored(entry: StatusEntry): string {
  const e = entry;
  return JSON.stringify([
    e.id,
    e.ts,
    e.agentId,
    e.action,
    e.status,
    e.detail,
    e.metadata,
    e.roomId,
  ]);
}

/** The entry at `seq` from what the stream stores. */
export function toEntry(seq: string | number, json: string): StatusEntry {
  const [id, ts, agentId, action, status, detail, metadata, roomId] = JSON.parse(
    json,
  ) as StoredEntry;
  return new StatusEntry({
    id,
    seq: Number(seq),
    ts,
    agentId,
    action,
    status,
    detail,
    metadata: deepFreeze(metadata),
    roomId,
  });
}
