import { describeValue } from '../errors/describe-value';
import { InvalidStatusEntryError } from '../errors/status-bus.errors';
import { DEFAULT_ENTRY_LIMITS, StatusEntryLimits } from './status-entry-limits';
import { DEFAULT_ROOM_ID } from './status-room';
import {
  StatusMetadata,
  validateDetail,
  validateMetadata,
  validateName,
  validateStatus,
} from './status-entry.validation';
import { StatusLevel } from './status-level';
import { isIsoTimestamp, nowMillis, nowTimestamp } from './status-timestamp';
import { uuidV7 } from './uuid-v7';

/** The wire form of an entry: JSONL lines, HTTP bodies and `toJSON()` all use it. */
export interface StatusEntryJson {
  seq?: number;
  ts: string;
  agent_id: string;
  action: string;
  status: StatusLevel;
  detail: string;
  metadata: StatusMetadata;
  room_id: string;
}

/** What a caller may add to an entry beyond agent, action and status. */
export interface PostOptions {
  /** Human-readable description. @default '' */
  detail?: string;
  /** Structured data, any plain JSON object. @default {} */
  metadata?: Record<string, unknown>;
  /**
   * The conversation the entry belongs to.
   * @default `metadata.room_id` when it is a string, else the module's `defaultRoomId`
   */
  roomId?: string;
}

/** What entry creation needs from the bus's configuration. */
export interface StatusEntryContext {
  limits?: StatusEntryLimits;
  /** Milliseconds since the epoch. @default the system clock */
  clock?: () => number;
  /** The room of entries that name none. @default 'default' */
  defaultRoomId?: string;
}

/** The fields of a {@link StatusEntry}; `id` and `seq` are optional. */
export interface StatusEntryProps {
  id?: string;
  seq?: number;
  ts: string;
  agentId: string;
  action: string;
  status: StatusLevel;
  detail: string;
  metadata: StatusMetadata;
  /** @default 'default' */
  roomId?: string;
}

/** The room of an entry that names none, by `roomId` or, as before rooms, `metadata.room_id`. */
function roomFrom(
  roomId: unknown,
  metadata: StatusMetadata,
  context: StatusEntryContext,
  limits: StatusEntryLimits,
): string {
  if (roomId !== undefined && roomId !== null) return validateName('room_id', roomId, limits);
  const legacy = metadata.room_id;
  if (typeof legacy === 'string' && legacy !== '')
    return validateName('metadata.room_id', legacy, limits);
  return context.defaultRoomId ?? DEFAULT_ROOM_ID;
}

/**
 * One immutable status entry: who (`agentId`) did what (`action`) with which outcome (`status`).
 *
 * `seq` is the entry's position in the global log. The store assigns it, so the object a sync
 * `post()` returns has none yet; every entry that is stored, read or delivered has one.
 */
export class StatusEntry {
  // Declared, not defined: a defined field is first set to undefined, then again in the
  // constructor, on every entry.
  /** Unique, time-ordered id (UUID v7) given when the entry is created; makes a retried write idempotent. */
  declare readonly id: string;
  /** Position in the global log, strictly increasing; `undefined` until stored. */
  declare readonly seq: number | undefined;
  /** ISO 8601 UTC, e.g. `2026-11-24T06:39:28.979041+00:00`. */
  declare readonly ts: string;
  declare readonly agentId: string;
  declare readonly action: string;
  declare readonly status: StatusLevel;
  /** Human-readable description, `''` when none. */
  declare readonly detail: string;
  /** Structured data, deeply frozen; `{}` when none. */
  declare readonly metadata: StatusMetadata;
  /** The conversation the entry belongs to. */
  declare readonly roomId: string;

  /** Builds an entry from trusted, already validated fields. Use {@link StatusEntry.create} otherwise. */
  constructor(props: StatusEntryProps) {
    this.id = props.id ?? uuidV7();
    this.seq = props.seq;
    this.ts = props.ts;
    this.agentId = props.agentId;
    this.action = props.action;
    this.status = props.status;
    this.detail = props.detail;
    this.metadata = props.metadata;
    this.roomId = props.roomId ?? DEFAULT_ROOM_ID;
    Object.freeze(this);
  }

  /**
   * Validates the arguments and builds a new entry stamped with the current time.
   * @throws InvalidStatusEntryError naming the field and what is wrong with it
   */
  static create(
    agentId: unknown,
    action: unknown,
    status: unknown,
    options: PostOptions = {},
    context: StatusEntryContext = {},
  ): StatusEntry {
    if (typeof options !== 'object' || options === null) {
      throw new InvalidStatusEntryError(
        'options',
        'must be an object such as { detail, metadata, roomId }',
      );
    }
    const limits = context.limits ?? DEFAULT_ENTRY_LIMITS;
    const metadata = validateMetadata(options.metadata, limits);
    // One reading of the clock for both the timestamp and the id's time.
    const ms = context.clock ? context.clock() : nowMillis();
    return new StatusEntry({
      id: uuidV7(Math.floor(ms)),
      ts: nowTimestamp(ms),
      agentId: validateName('agent_id', agentId, limits),
      action: validateName('action', action, limits),
      status: validateStatus(status),
      detail: validateDetail(options.detail, limits),
      metadata,
      roomId: roomFrom(options.roomId, metadata, context, limits),
    });
  }

  /**
   * Validates a wire-form object (a JSONL line, an HTTP body) and builds the entry it describes.
   * A reference JSONL line, which has no `seq` and no `room_id`, is accepted.
   * @throws InvalidStatusEntryError naming the field and what is wrong with it
   */
  static fromJSON(json: unknown, context: StatusEntryContext = {}): StatusEntry {
    const limits = context.limits ?? DEFAULT_ENTRY_LIMITS;
    if (typeof json !== 'object' || json === null || Array.isArray(json)) {
      throw new InvalidStatusEntryError('entry', 'must be a JSON object');
    }
    const obj = json as Record<string, unknown>;
    const seq = obj.seq;
    if (seq !== undefined && seq !== null && !(Number.isSafeInteger(seq) && (seq as number) > 0)) {
      throw new InvalidStatusEntryError(
        'seq',
        `must be a positive integer, got ${describeValue(seq)}`,
      );
    }
    if (!isIsoTimestamp(obj.ts)) {
      throw new InvalidStatusEntryError(
        'ts',
        `must be an ISO 8601 timestamp with an offset, got ${describeValue(obj.ts)}`,
      );
    }
    const metadata = validateMetadata(obj.metadata, limits);
    return new StatusEntry({
      seq: (seq ?? undefined) as number | undefined,
      ts: obj.ts,
      agentId: validateName('agent_id', obj.agent_id, limits),
      action: validateName('action', obj.action, limits),
      status: validateStatus(obj.status),
      detail: validateDetail(obj.detail, limits),
      metadata,
      roomId: roomFrom(obj.room_id, metadata, context, limits),
    });
  }

  /**
   * Whether the entry passes `filter`: each of its fields that is set equals the entry's (the
   * filter of reads and subscriptions, for a backend of your own).
   */
  matches(filter: { agentId?: string; status?: StatusLevel; roomId?: string }): boolean {
    return (
      (filter.agentId === undefined || this.agentId === filter.agentId) &&
      (filter.status === undefined || this.status === filter.status) &&
      (filter.roomId === undefined || this.roomId === filter.roomId)
    );
  }

  /** The same entry at position `seq` in the log. */
  withSeq(seq: number): StatusEntry {
    // Field by field: spreading a frozen instance costs several times as much, on every append.
    return new StatusEntry({
      id: this.id,
      seq,
      ts: this.ts,
      agentId: this.agentId,
      action: this.action,
      status: this.status,
      detail: this.detail,
      metadata: this.metadata,
      roomId: this.roomId,
    });
  }

  /**
   * The wire form: `{seq, ts, agent_id, action, status, detail, metadata, room_id}`, the
   * reference's fields in its order, with the position first and the room last.
   */
  toJSON(): StatusEntryJson {
    return {
      seq: this.seq,
      ts: this.ts,
      agent_id: this.agentId,
      action: this.action,
      status: this.status,
      detail: this.detail,
      metadata: this.metadata,
      room_id: this.roomId,
    };
  }
}
