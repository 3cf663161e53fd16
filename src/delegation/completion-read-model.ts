import { Inject, Injectable } from '@nestjs/common';
import { StatusEntry } from '../entry/status-entry';
import { STATUS_BUS_OPTIONS } from '../status-bus.constants';
import type { ResolvedStatusBusOptions } from '../status-bus-options';
import { BoundedMap } from '../util/bounded-map';

/** Narrows the question "what completed last?" to a room, an agent, or both. */
export interface CompletionScope {
  roomId?: string;
  agentId?: string;
}

const ANY = '\u0000any';

/**
 * The latest `completed` entry overall, per room, per agent and per room and agent: what the
 * delegation guard asks on every check, answered from memory. Built from the store on the
 * guard's first check, then fed by the bus in log order from every instance.
 *
 * Memory is bounded: at most four scopes per room of `maxCachedRooms` are kept, the one used
 * least recently forgotten first. A scope not in memory is `undefined` (ask the store, then
 * {@link learn} the answer); one known to have no completion is `null`.
 */
@Injectable()
export class CompletionReadModel {
  private latestByScope: BoundedMap<string, StatusEntry | null>;

  constructor(
    @Inject(STATUS_BUS_OPTIONS)
    private readonly options: Pick<ResolvedStatusBusOptions, 'maxCachedRooms'>,
  ) {
    this.latestByScope = new BoundedMap(4 * options.maxCachedRooms);
  }

  /** Forgets everything, before it is built again. */
  clear(): void {
    this.latestByScope = new BoundedMap(4 * this.options.maxCachedRooms);
  }

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
      this.keep(key, entry);
    }
  }

  /** The latest completion within `scope`; `null` for none, `undefined` when not known here. */
  latest(scope: CompletionScope = {}): StatusEntry | null | undefined {
    return this.latestByScope.get(this.key(scope.roomId ?? ANY, scope.agentId ?? ANY));
  }

  /**
   * Takes in what the store answered for `scope` (its latest completion, or `null`), unless the
   * feed recorded a later one meanwhile; returns what is now known.
   */
  learn(scope: CompletionScope, found: StatusEntry | null): StatusEntry | null {
    const key = this.key(scope.roomId ?? ANY, scope.agentId ?? ANY);
    if (found) this.keep(key, found);
    else if (this.latestByScope.get(key) === undefined) this.latestByScope.set(key, null);
    return this.latestByScope.get(key) ?? null;
  }

  private keep(key: string, entry: StatusEntry): void {
    const current = this.latestByScope.get(key);
    if (!current || (current.seq ?? 0) < (entry.seq ?? 0)) this.latestByScope.set(key, entry);
  }

  private key(room: string, agent: string): string {
    return `${room}\u0000${agent}`;
  }
}
