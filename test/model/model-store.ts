import { eventually } from '../support/bus-app';
import { RedisServer } from '../support/redis-server';
import { createTestDatabase, TestDatabase } from '../support/test-database';
import type { ModelInstance } from './bus-instance';

/** An entry as the store holds it: the wire form with its id. */
export interface StoredRow {
  seq: number;
  id: string;
  ts: string;
  agent_id: string;
  action: string;
  status: string;
  detail: string;
  metadata: Record<string, unknown>;
  room_id: string;
}

/** What each instance of a run is given for its store (JSON: it crosses to child processes). */
export type StoreConfig = { kind: 'postgres' | 'redis'; url: string; connectionName: string };

export type Forgery = 'ahead' | 'next' | 'types' | 'position' | 'garbage';

/**
 * The store of one model run, as the model drives it: the instances' configuration, the log as
 * the store itself holds it, and the faults it can inject.
 */
export interface ModelStore {
  config(instance: number): StoreConfig;
  /** The log in its order, read past the bus. */
  rows(): Promise<StoredRow[]>;
  /**
   * Cuts an instance's listening or writing connection; for the listening one, waits until it
   * is back. Answers whether there was one to cut.
   */
  kill(instance: ModelInstance, index: number, which: 'listener' | 'writer'): Promise<boolean>;
  /** Takes the store away (connections cut); answers how to bring it back. */
  interrupt(): Promise<() => Promise<void>>;
  /** Sends a wake-up the bus's own way, from someone else. */
  forge(kind: Forgery): Promise<void>;
  drop(): Promise<void>;
}

/** Forged entries and positions, the same for every store. */
export function forgedRow(kind: Forgery, seq: number, fields: object = {}): object {
  return {
    seq,
    entry_id: '0190f3a0-0000-7000-8000-00000000f0f0',
    ts: '2026-11-27T10:00:00.000000+00:00',
    agent_id: 'model',
    action: `forged-${kind}`,
    status: 'completed',
    detail: 'forged',
    metadata: {},
    room_id: 'default',
    ...fields,
  };
}

function forgedPayload(kind: Forgery, next: number): string {
  return {
    ahead: () => JSON.stringify([forgedRow(kind, next + 1_000_000)]),
    next: () => JSON.stringify([forgedRow(kind, next)]),
    types: () =>
      JSON.stringify([forgedRow(kind, next, { agent_id: 42, metadata: 'x', status: 'nope' })]),
    position: () => String(next + 500),
    garbage: () => '[{"seq":',
  }[kind]();
}

/** A database of the run's own on the suite's PostgreSQL server. */
export class PostgresModelStore implements ModelStore {
  private constructor(private readonly db: TestDatabase) {}

  static async create(): Promise<PostgresModelStore> {
    return new PostgresModelStore(await createTestDatabase('model'));
  }

  config(instance: number): StoreConfig {
    return { kind: 'postgres', url: this.db.url, connectionName: `model-${instance}` };
  }

  async rows(): Promise<StoredRow[]> {
    const rows = await this.db.query<StoredRow & { seq: string }>(
      `SELECT seq, entry_id AS id,
              to_char(ts AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"+00:00"') AS ts,
              agent_id, action, status, detail, metadata, room_id
         FROM status_bus_entries ORDER BY seq`,
    );
    return rows.map((r) => ({ ...r, seq: Number(r.seq) }));
  }

  /** The pids of the connections named `name`. */
  private async connections(name: string): Promise<number[]> {
    const rows = await this.db.query<{ pid: number }>(
      `SELECT pid FROM pg_stat_activity WHERE application_name = $1 AND datname = $2`,
      [name, this.db.name],
    );
    return rows.map((r) => r.pid);
  }

  async kill(_instance: ModelInstance, index: number, which: 'listener' | 'writer') {
    const name = `model-${index}-${which}`;
    const [pid] = await this.connections(name);
    if (pid === undefined) return false;
    await this.db.query('SELECT pg_terminate_backend($1)', [pid]);
    if (which === 'listener') {
      // The listening connection comes back by itself, promptly.
      await eventually(async () => {
        const now = await this.connections(name);
        return now.length === 1 && now[0] !== pid;
      }, 10_000);
    }
    return true;
  }

  interrupt(): Promise<() => Promise<void>> {
    return this.db.refuseConnections();
  }

  async forge(kind: Forgery): Promise<void> {
    const [{ head }] = (await this.db.query<{ head: string | null }>(
      'SELECT max(seq) AS head FROM status_bus_entries',
    )) as [{ head: string | null }];
    await this.db.query(`SELECT pg_notify('status_bus', $1)`, [
      forgedPayload(kind, Number(head ?? 0) + 1),
    ]);
  }

  drop(): Promise<void> {
    return this.db.drop();
  }
}

/**
 * A Redis server of the run's own (append-only file, fsync at every write), which an outage
 * kills with SIGKILL and starts again on the same data.
 */
export class RedisModelStore implements ModelStore {
  private constructor(private readonly server: RedisServer) {}

  static async create(): Promise<RedisModelStore> {
    return new RedisModelStore(
      await RedisServer.start(['--appendonly', 'yes', '--appendfsync', 'always']),
    );
  }

  config(instance: number): StoreConfig {
    return { kind: 'redis', url: this.server.url, connectionName: `model-${instance}` };
  }

  async rows(): Promise<StoredRow[]> {
    const rows = (await this.server.command('XRANGE', '{model}:log', '-', '+')) as [
      string,
      string[],
    ][];
    return rows.map(([position, fields]) => {
      const [id, ts, agent_id, action, status, detail, metadata, room_id] = JSON.parse(
        fields[3]!,
      ) as [string, string, string, string, string, string, Record<string, unknown>, string];
      const seq = Number.parseInt(position, 10);
      return { seq, id, ts, agent_id, action, status, detail, metadata, room_id };
    });
  }

  /** The ids of the connections named `name`. */
  private async connections(name: string): Promise<string[]> {
    const list = String(await this.server.command('CLIENT', 'LIST'));
    return [...list.matchAll(/^id=(\d+) .*name=(\S+)/gm)]
      .filter((m) => m[2] === name)
      .map((m) => m[1]!);
  }

  async kill(_instance: ModelInstance, index: number, which: 'listener' | 'writer') {
    const name = `model-${index}-${which === 'listener' ? 'subscriber' : 'writer'}`;
    const [id] = await this.connections(name);
    if (id === undefined) return false;
    await this.server.command('CLIENT', 'KILL', 'ID', id);
    if (which === 'listener') {
      await eventually(async () => {
        const now = await this.connections(name);
        return now.length === 1 && now[0] !== id;
      }, 10_000);
    }
    return true;
  }

  async interrupt(): Promise<() => Promise<void>> {
    await this.server.kill('SIGKILL');
    return () => this.server.restart();
  }

  async forge(kind: Forgery): Promise<void> {
    const head = Number((await this.server.command('GET', '{model}:seq')) ?? 0);
    await this.server.command('PUBLISH', '{model}:appended', forgedPayload(kind, head + 1));
  }

  drop(): Promise<void> {
    return this.server.remove();
  }
}

/** The options an instance gives `StatusBusModule.forRoot` for its store. */
export function storeOptions(config: StoreConfig) {
  // The poll far beyond any run: other instances' entries arrive by notification only, so a
  // listening connection that does not come back after a cut fails the run.
  const pollIntervalMs = 600_000;
  return config.kind === 'postgres'
    ? {
        postgres: {
          url: config.url,
          migrationsRun: true,
          connectionName: config.connectionName,
          pollIntervalMs,
        },
      }
    : {
        redis: {
          url: config.url,
          prefix: 'model',
          connectionName: config.connectionName,
          pollIntervalMs,
        },
      };
}
