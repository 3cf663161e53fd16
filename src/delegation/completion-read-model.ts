import { Injectable } from '@nestjs/common';
import { StatusEntry } from '../entry/status-entry';

/** Narrows the question "what completed last?" to a room, an agent, or both. */
export interface CompletionScope {
  roomId?: string;
  agentId?: string;
}

const ANY = '\u0000any';

/**
 * The latest `completed` entry overall, per room, per agent and per room and agent: what the
 * delegation guard asks on every check, answered from memory. Fed by a CQRS event handler in
 * log order from every instance, and rebuilt from the store at start.
 */
@Injectable()
export class CompletionReadModel {
  private readonly latestByScope = new Map<string, StatusEntry>();

  /** Takes `entry` into account; entries may arrive more than once and in any order. */
  record(entry: StatusEntry): void {
    if (entry.status !== 'completed') return;
    const room = entry.roomId;
    for (const key of [
      this.key(ANY, ANY),
      this.key(room, ANY),
      this.key(ANY, entry.agentId),
      this.key(room, entry.agentId),
    ]) {
      const current = this.latestByScope.get(key);
      if (!current || (current.seq ?? 0) < (entry.seq ?? 0)) this.latestByScope.set(key, entry);
    }
  }

  /** The latest completion within `scope`, if any. */
  latest(scope: CompletionScope = {}): StatusEntry | undefined {
    return this.latestByScope.get(this.key(scope.roomId ?? ANY, scope.agentId ?? ANY));
  }

  private key(room: string, agent: string): string {
    return `${room}\u0000${agent}`;
  }
}
