import { StatusEntry } from '../entry/status-entry';
import { matchesFilter, StatusBackend, StatusFilter } from './status-backend';

/** The default number of entries {@link InMemoryStatusBackend} keeps. */
export const DEFAULT_MAX_ENTRIES = 500;

/**
 * Keeps the last `maxEntries` entries of one process in memory. Completions are remembered
 * separately, so `hasCompleted` stays right after the entry itself has been evicted.
 */
export class InMemoryStatusBackend extends StatusBackend {
  private entries: StatusEntry[] = [];
  /** Index of the oldest kept entry in `entries`; trimming in bulk keeps appends O(1). */
  private start = 0;
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
    for (let i = this.entries.length - 1; i >= this.start && found.length < n; i--) {
      const entry = this.entries[i]!;
      if (matchesFilter(entry, filter)) found.push(entry);
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
    const result: StatusEntry[] = [];
    for (let i = this.start; i < this.entries.length && result.length < limit; i++) {
      const entry = this.entries[i]!;
      if (entry.seq! > after && matchesFilter(entry, filter)) result.push(entry);
    }
    return result;
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
      this.entries.push(kept);
      this.byId.set(kept.id, kept);
      return kept;
    });
    const excess = this.entries.length - this.start - this.maxEntries;
    for (let i = this.start; i < this.start + excess; i++) this.byId.delete(this.entries[i]!.id);
    if (excess > 0) this.start += excess;
    if (this.start > this.maxEntries) {
      this.entries = this.entries.slice(this.start);
      this.start = 0;
    }
    return stored;
  }
}
