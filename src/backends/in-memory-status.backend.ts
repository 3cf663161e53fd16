import { StatusEntry } from '../entry/status-entry';
import { Queue } from '../util/queue';
import { IdIndex } from './id-index';
import { StatusBackend, StatusFilter } from './status-backend';

/**
 * The positions (in the order entries were kept) of the kept entries with one agent, status or
 * room, oldest first. Entries leave in the order they came, so evicting one drops the front.
 */
class PositionList {
  private readonly items = new Queue<number>();

  constructor(first: number) {
    this.items.push(first);
  }

  get size(): number {
    return this.items.size;
  }

  push(position: number): void {
    this.items.push(position);
  }

  /** Drops the oldest position; returns whether any remain. */
  shift(): boolean {
    this.items.shift();
    return this.items.size > 0;
  }

  /** The positions from the newest back to the oldest. */
  *newestFirst(): Generator<number> {
    for (let i = this.items.size - 1; i >= 0; i--) yield this.items.at(i)!;
  }

  /** The positions from the first one at or after `from`, oldest first. */
  *from(from: number): Generator<number> {
    for (let i = this.items.search((p) => p < from); i < this.items.size; i++) {
      yield this.items.at(i)!;
    }
  }
}

/** Adds `position` to the list of `value` in `index`. */
function addPosition(index: Map<string, PositionList>, value: string, position: number): void {
  const list = index.get(value);
  if (list) list.push(position);
  else index.set(value, new PositionList(position));
}

/** Drops the oldest position of `value` in `index`, and the list once empty. */
function dropPosition(index: Map<string, PositionList>, value: string): void {
  if (!index.get(value)!.shift()) index.delete(value);
}

/** The fields a filter can name, each with an index of the kept entries by its value. */
const INDEXED = ['agentId', 'status', 'roomId'] as const;
type IndexedField = (typeof INDEXED)[number];

/** The default number of entries {@link InMemoryStatusBackend} keeps. */
export const DEFAULT_MAX_ENTRIES = 500;

/**
 * Keeps the last `maxEntries` entries of one process in memory. Completions are remembered
 * separately, so `hasCompleted` stays right after the entry itself has been evicted.
 *
 * Reads cost what they return, not what is kept: the kept entries are indexed by agent, status
 * and room, so `recent(n, filter)` walks only entries with the filter's rarest value, and
 * `readAfter` finds its start by position. Entries join the indexes at the first read that
 * needs them, not when appended: posts far outnumber filtered reads, and an entry evicted
 * before any such read never costs the indexes anything. Each entry is indexed at most once,
 * so a read costs what it returns plus the entries appended since the last filtered read.
 */
export class InMemoryStatusBackend extends StatusBackend {
  override readonly inProcess = true;
  /** The kept entries, oldest first. */
  private readonly entries = new Queue<StatusEntry>();
  /** How many entries were dropped from the front of `entries`: position = offset + index. */
  private offset = 0;
  /** The positions of the kept entries, by agent, status and room, up to `indexedTo`. */
  private readonly indexes: Record<IndexedField, Map<string, PositionList>> = {
    agentId: new Map(),
    status: new Map(),
    roomId: new Map(),
  };
  /** The position after the last entry in the indexes. */
  private indexedTo = 0;
  private lastSeq = 0;
  /** The kept entries by id: an append retried while they are kept stores nothing twice. */
  private readonly ids = new IdIndex();
  /** Keys `room`, `\0agent` and `room\0agent` of every completion, and '' once any. */
  private readonly completions = new Set<string>();

  constructor(readonly maxEntries: number = DEFAULT_MAX_ENTRIES) {
    super();
    if (!Number.isSafeInteger(maxEntries) || maxEntries < 1) {
      throw new RangeError(`maxEntries must be a positive integer, got ${maxEntries}`);
    }
  }

  override async append(entries: readonly StatusEntry[]): Promise<StatusEntry[]> {
    return this.keep(entries);
  }

  override appendNow(entries: readonly StatusEntry[]): StatusEntry[] {
    return this.keep(entries);
  }

  override async restore(entries: readonly StatusEntry[]): Promise<void> {
    this.keep(entries);
  }

  override async recent(n: number, filter: StatusFilter = {}): Promise<StatusEntry[]> {
    const found: StatusEntry[] = [];
    for (const position of this.candidatesNewestFirst(filter)) {
      const entry = this.entries.at(position - this.offset)!;
      if (entry.matches(filter) && found.push(entry) >= n) break;
    }
    return found.reverse();
  }

  override async hasCompleted(agentId?: string, roomId?: string): Promise<boolean> {
    return this.completions.has(`${roomId ?? ''}\u0000${agentId ?? ''}`);
  }

  override async head(): Promise<number> {
    return this.lastSeq;
  }

  override async oldest(): Promise<number> {
    return this.entries.at(0)?.seq ?? 0;
  }

  override async readAfter(
    after: number,
    limit: number,
    filter: StatusFilter = {},
  ): Promise<StatusEntry[]> {
    // Positions grow with seq: the first entry after `after` is found by halving.
    const first = this.entries.search((entry) => entry.seq! <= after);
    const result: StatusEntry[] = [];
    for (const position of this.candidatesFrom(filter, this.offset + first)) {
      const entry = this.entries.at(position - this.offset)!;
      if (entry.matches(filter) && result.push(entry) >= limit) break;
    }
    return result;
  }

  /** The index list of the filter's rarest value, or none when it names no field. */
  private rarest(filter: StatusFilter): PositionList | undefined | null {
    let best: PositionList | null = null;
    for (const field of INDEXED) {
      const value = filter[field];
      if (value === undefined) continue;
      this.indexAppended();
      const list = this.indexes[field].get(value);
      if (!list) return undefined; // no kept entry has that value
      if (!best || list.size < best.size) best = list;
    }
    return best;
  }

  /** Positions of entries that may match `filter`, newest first. */
  private *candidatesNewestFirst(filter: StatusFilter): Generator<number> {
    const list = this.rarest(filter);
    if (list) {
      yield* list.newestFirst();
      return;
    }
    if (list === undefined) return;
    for (let i = this.entries.size - 1; i >= 0; i--) yield this.offset + i;
  }

  /** Positions from `from` on of entries that may match `filter`, oldest first. */
  private *candidatesFrom(filter: StatusFilter, from: number): Generator<number> {
    const list = this.rarest(filter);
    if (list) {
      yield* list.from(from);
      return;
    }
    if (list === undefined) return;
    for (let i = from - this.offset; i < this.entries.size; i++) yield this.offset + i;
  }

  /** Stores entries, giving a position to those without one (restored reference lines). */
  private keep(entries: readonly StatusEntry[]): StatusEntry[] {
    const stored = new Array<StatusEntry>(entries.length);
    for (let i = 0; i < entries.length; i++) {
      const entry = entries[i]!;
      const existing = this.ids.find(entry.id);
      if (existing) {
        stored[i] = existing;
        continue;
      }
      const seq =
        entry.seq !== undefined && entry.seq > this.lastSeq ? entry.seq : this.lastSeq + 1;
      this.lastSeq = seq;
      if (entry.status === 'completed') {
        for (const room of ['', entry.roomId]) {
          this.completions.add(`${room}\u0000`);
          this.completions.add(`${room}\u0000${entry.agentId}`);
        }
      }
      const kept = entry.seq === seq ? entry : entry.withSeq(seq);
      this.entries.push(kept);
      this.ids.add(kept);
      stored[i] = kept;
    }
    while (this.entries.size > this.maxEntries) {
      this.forget(this.entries.shift()!, this.offset);
      this.offset += 1;
    }
    return stored;
  }

  /** Adds the entries appended since the last filtered read to the indexes. */
  private indexAppended(): void {
    const end = this.offset + this.entries.size;
    for (let position = Math.max(this.indexedTo, this.offset); position < end; position++) {
      const entry = this.entries.at(position - this.offset)!;
      // Field by field: a loop over the names costs a lookup by name for each.
      addPosition(this.indexes.agentId, entry.agentId, position);
      addPosition(this.indexes.status, entry.status, position);
      addPosition(this.indexes.roomId, entry.roomId, position);
    }
    this.indexedTo = end;
  }

  /** Drops the evicted entry at `position` from the id map and, if in them, the indexes. */
  private forget(entry: StatusEntry, position: number): void {
    this.ids.evict(entry);
    // The indexed entries are the older ones and this is the oldest: the front of each list.
    if (position >= this.indexedTo) return;
    dropPosition(this.indexes.agentId, entry.agentId);
    dropPosition(this.indexes.status, entry.status);
    dropPosition(this.indexes.roomId, entry.roomId);
  }
}
