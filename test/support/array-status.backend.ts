import { StatusBackend, StatusEntry, StatusFilter } from '../../src';

/**
 * A backend as a user would write one, from the README: everything in one array, no eviction.
 * It shows the contract is small, and runs the conformance suite like the bus's own backends.
 */
export class ArrayStatusBackend extends StatusBackend {
  private readonly entries: StatusEntry[] = [];

  async append(entries: readonly StatusEntry[]): Promise<StatusEntry[]> {
    return entries.map((e) => {
      const existing = this.entries.find((s) => s.id === e.id);
      if (existing) return existing;
      const stored = e.withSeq(this.entries.length + 1);
      this.entries.push(stored);
      return stored;
    });
  }

  async recent(n: number, filter: StatusFilter = {}): Promise<StatusEntry[]> {
    return this.entries.filter((e) => e.matches(filter)).slice(-n);
  }

  async hasCompleted(agentId?: string, roomId?: string): Promise<boolean> {
    return this.entries.some((e) => e.matches({ agentId, roomId, status: 'completed' }));
  }

  async head(): Promise<number> {
    return this.entries.length;
  }

  async readAfter(after: number, limit: number): Promise<StatusEntry[]> {
    return this.entries.slice(after, after + limit);
  }
}
