import { StatusEntry } from '../entry/status-entry';
import { matchesFilter, StatusBackend, StatusFilter } from './status-backend';

/**
 * The positions (in the order entries were kept) of the kept entries with one agent, status or
 * room, oldest first. Entries leave in the order they came, so evicting one drops the front.
 */
class PositionList {
  private items: number[] = [];
  private head = 0;

  get size(): number {
    return this.items.length - this.head;
  }

  push(position: number): void {
    this.items.push(position);
  }

  /** Drops the oldest position; returns whether any remain. */
  shift(): boolean {
    this.head += 1;
    if (this.head === this.items.length) {
      this.items = [];
      this.head = 0;
      return false;
    }
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return true;
  }

  /** The positions from the newest back to the oldest. */
  *newestFirst(): Generator<number> {
    for (let i = this.items.length - 1; i >= this.head; i--) yield this.items[i]!;
  }

  /** The positions from the first one at or after `from`, oldest first. */
  *from(from: number): Generator<number> {
    let low = this.head;
    let high = this.items.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (this.items[mid]! < from) low = mid + 1;
      else high = mid;
    }
    for (let i = low; i < this.items.length; i++) yield this.items[i]!;
  }
}

/** The index keys of an entry, one per field a filter can name. */
function indexKeys(entry: { agentId: string; status: string; roomId: string }): string[] {
  return [`a\u0000${entry.agentId}`, `s\u0000${entry.status}`, `r\u0000${entry.roomId}`];
}

/** The index keys a filter names. */
function filterKeys(filter: StatusFilter): string[] {
  const keys: string[] = [];
  if (filter.agentId !== undefined) keys.push(`a\u0000${filter.agentId}`);
  if (filter.status !== undefined) keys.push(`s\u0000${filter.status}`);
  if (filter.roomId !== undefined) keys.push(`r\u0000${filter.roomId}`);
  return keys;
}

/** The default number of entries {@link InMemoryStatusBackend} keeps. */
export const DEFAULT_MAX_ENTRIES = 500;

/**
 * Keeps the last `maxEntries` entries of one process in memory. Completions are remembered
 * separately, so `hasCompleted` stays right after the entry itself has been evicted.
 *
 * Reads cost what they return, not what is kept: the kept entries are indexed by agent, status
 * and room, so `recent(n, filter)` walks only entries with the filter's rarest value, and
 * `readAfter` finds its start by position.
 */
export class InMemoryStatusBackend extends StatusBackend {
  private entries: StatusEntry[] = [];
  /** Index of the oldest kept entry in `entries`; trimming in bulk keeps appends O(1). */
  private start = 0;
  /** How many entries were dropped from the front of `entries`: position = offset + index. */
  private offset = 0;
  /** The positions of the kept entries, by agent, status and room (see `indexKeys`). */
  private readonly indexes = new Map<string, PositionList>();
  private lastSeq = 0;
  /** The kept entries by id: an append retried while they are kept stores nothing twice. */
  private readonly byId = new Map<string, StatusEntry>();
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

  override async restore(entries: readonly StatusEntry[]): Promise<void> {
    this.keep(entries);
  }

  override async recent(n: number, filter: StatusFilter = {}): Promise<StatusEntry[]> {
    const found: StatusEntry[] = [];
    for (const position of this.candidatesNewestFirst(filter)) {
      const entry = this.entries[position - this.offset]!;
      if (matchesFilter(entry, filter) && found.push(entry) >= n) break;
    }
    return found.reverse();
  }

  override async hasCompleted(agentId?: string, roomId?: string): Promise<boolean> {
    return this.completions.has(`${roomId ?? ''}\u0000${agentId ?? ''}`);
  }

  override async head(): Promise<number> {
    return this.lastSeq;
  }

  override async readAfter(
    after: number,
    limit: number,
    filter: StatusFilter = {},
  ): Promise<StatusEntry[]> {
    // Positions grow with seq: the first entry after `after` is found by halving.
    let low = this.start;
    let high = this.entries.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (this.entries[mid]!.seq! <= after) low = mid + 1;
      else high = mid;
    }
    const result: StatusEntry[] = [];
    for (const position of this.candidatesFrom(filter, this.offset + low)) {
      const entry = this.entries[position - this.offset]!;
      if (matchesFilter(entry, filter) && result.push(entry) >= limit) break;
    }
    return result;
  }

  /** The index list of the filter's rarest value, or none when it names no field. */
  private rarest(filter: StatusFilter): PositionList | undefined | null {
    const keys = filterKeys(filter);
    if (keys.length === 0) return null;
    let best: PositionList | undefined;
    for (const key of keys) {
      const list = this.indexes.get(key);
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
    for (let i = this.entries.length - 1; i >= this.start; i--) yield this.offset + i;
  }

  /** Positions from `from` on of entries that may match `filter`, oldest first. */
  private *candidatesFrom(filter: StatusFilter, from: number): Generator<number> {
    const list = this.rarest(filter);
    if (list) {
      yield* list.from(from);
      return;
    }
    if (list === undefined) return;
    for (let i = from - this.offset; i < this.entries.length; i++) yield this.offset + i;
  }

  /** Stores entries, giving a position to those without one (restored reference lines). */
  private keep(entries: readonly StatusEntry[]): StatusEntry[] {
    const stored = entries.map((entry) => {
      const existing = this.byId.get(entry.id);
      if (existing) return existing;
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
      const position = this.offset + this.entries.length;
      this.entries.push(kept);
      this.byId.set(kept.id, kept);
      for (const key of indexKeys(kept)) {
        let list = this.indexes.get(key);
        if (!list) this.indexes.set(key, (list = new PositionList()));
        list.push(position);
      }
      return kept;
    });
    const excess = this.entries.length - this.start - this.maxEntries;
    for (let i = this.start; i < this.start + excess; i++) this.forget(this.entries[i]!);
    if (excess > 0) this.start += excess;
    if (this.start > this.maxEntries) {
      this.entries = this.entries.slice(this.start);
      this.offset += this.start;
      this.start = 0;
    }
    return stored;
  }

  /** Drops an evicted entry from the id map and the indexes (it is the oldest in each). */
  private forget(entry: StatusEntry): void {
    this.byId.delete(entry.id);
    for (const key of indexKeys(entry)) {
      if (!this.indexes.get(key)!.shift()) this.indexes.delete(key);
    }
  }
}
