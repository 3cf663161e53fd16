import fc from 'fast-check';
import { eventually } from '../support/bus-app';
import { TestDatabase } from '../support/test-database';
import { ModelInstance } from './bus-instance';

/** What the bus has promised so far: the model the real instances are checked against. */
export interface BusModel {
  /** Per instance, the actions it accepted, in post order. */
  posted: string[][];
  /** Actions whose `postAsync` resolved. */
  acknowledged: Set<string>;
  next: number;
}

/** Faults injected over all runs, for the soak's report. */
export const faults = {
  listenerKilled: 0,
  writerKilled: 0,
  outages: 0,
  forged: 0,
};

/** The real system: instances on one database, and a connection outage under way, if any. */
export class BusWorld {
  /** Resolves when the database lets connections in again. */
  outage: Promise<void> | undefined;

  constructor(
    readonly db: TestDatabase,
    readonly instances: ModelInstance[],
  ) {}

  instance(i: number): ModelInstance {
    return this.instances[i % this.instances.length]!;
  }

  /** Runs SQL on a connection of its own, once the database takes connections again. */
  async query<T>(sql: string, params: unknown[] = []): Promise<T[]> {
    await this.outage;
    return this.db.query<T>(sql, params);
  }
}

type Command = fc.AsyncCommand<BusModel, BusWorld>;

/** Entries stored by the table, in log order, in the wire form with their ids. */
export async function tableRows(world: BusWorld) {
  return world.query<{
    seq: string;
    id: string;
    ts: string;
    agent_id: string;
    action: string;
    status: string;
    detail: string;
    metadata: Record<string, unknown>;
    room_id: string;
  }>(
    `SELECT seq, entry_id AS id,
            to_char(ts AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"+00:00"') AS ts,
            agent_id, action, status, detail, metadata, room_id
       FROM status_bus_entries ORDER BY seq`,
  );
}

/** The actions of instance `i`'s entries in `rows`, in log order. */
export const actionsOf = (rows: { action: string }[], i: number) =>
  rows.map((r) => r.action).filter((a) => a.startsWith(`i${i}-`));

class Post implements Command {
  constructor(
    readonly i: number,
    readonly count: number,
  ) {}
  check = () => true;
  async run(model: BusModel, world: BusWorld): Promise<void> {
    const i = this.i % world.instances.length;
    const actions = Array.from({ length: this.count }, () => `i${i}-${model.next++}`);
    const accepted = await world.instance(i).post(actions);
    model.posted[i]!.push(...actions.slice(0, accepted));
  }
  toString = () => `post(${this.i}, ×${this.count})`;
}

class PostAsync implements Command {
  constructor(readonly i: number) {}
  check = () => true;
  async run(model: BusModel, world: BusWorld): Promise<void> {
    const i = this.i % world.instances.length;
    const action = `i${i}-${model.next++}`;
    // Accepted at once (before the store answers): recorded in post order before awaiting.
    model.posted[i]!.push(action);
    if (await world.instance(i).postAsync(action)) model.acknowledged.add(action);
  }
  toString = () => `postAsync(${this.i})`;
}

/** `flush`, then: everything the instance posted is in the table, in post order. */
class Flush implements Command {
  constructor(readonly i: number) {}
  check = () => true;
  async run(model: BusModel, world: BusWorld): Promise<void> {
    const i = this.i % world.instances.length;
    const posted = [...model.posted[i]!];
    await world.instance(i).flush();
    expect(actionsOf(await tableRows(world), i).slice(0, posted.length)).toEqual(posted);
  }
  toString = () => `flush(${this.i})`;
}

class KillConnection implements Command {
  constructor(
    readonly i: number,
    readonly which: 'listener' | 'writer',
  ) {}
  check = () => true;
  async run(_model: BusModel, world: BusWorld): Promise<void> {
    const instance = world.instance(this.i);
    const pid = (await instance.pids())[this.which];
    if (pid === undefined) return;
    await world.query('SELECT pg_terminate_backend($1)', [pid]);
    faults[this.which === 'listener' ? 'listenerKilled' : 'writerKilled'] += 1;
    if (this.which !== 'listener') return;
    // The listening connection comes back by itself (once any outage is over), promptly.
    await world.outage;
    await eventually(async () => {
      const listener = (await instance.pids()).listener;
      return listener !== undefined && listener !== pid;
    }, 10_000);
  }
  toString = () => `kill(${this.i}, ${this.which})`;
}

/** The database refuses connections for `ms` (those it had are cut); the run goes on meanwhile. */
class Outage implements Command {
  constructor(readonly ms: number) {}
  check = () => true;
  async run(_model: BusModel, world: BusWorld): Promise<void> {
    await world.outage;
    const allow = await world.db.refuseConnections();
    faults.outages += 1;
    world.outage = new Promise<void>((resolve) => setTimeout(resolve, this.ms))
      .then(allow)
      .finally(() => {
        world.outage = undefined;
      });
  }
  toString = () => `outage(${this.ms} ms)`;
}

type Forgery = 'ahead' | 'next' | 'types' | 'position' | 'garbage';

/** A notification sent on the bus's channel by someone else, shaped as the bus's own. */
class Forge implements Command {
  constructor(readonly kind: Forgery) {}
  check = () => true;
  async run(_model: BusModel, world: BusWorld): Promise<void> {
    const [{ head }] = (await world.query<{ head: string | null }>(
      'SELECT max(seq) AS head FROM status_bus_entries',
    )) as [{ head: string | null }];
    const next = Number(head ?? 0) + 1;
    const row = (seq: number, fields: object = {}) => ({
      seq,
      entry_id: '0190f3a0-0000-7000-8000-00000000f0f0',
      ts: '2026-11-27T10:00:00.000000+00:00',
      agent_id: 'model',
      action: `forged-${this.kind}`,
      status: 'completed',
      detail: 'forged',
      metadata: {},
      room_id: 'default',
      ...fields,
    });
    const payload = {
      ahead: () => JSON.stringify([row(next + 1_000_000)]),
      next: () => JSON.stringify([row(next)]),
      types: () => JSON.stringify([row(next, { agent_id: 42, metadata: 'x', status: 'nope' })]),
      position: () => String(next + 500),
      garbage: () => '[{"seq":',
    }[this.kind]();
    await world.query(`SELECT pg_notify('status_bus', $1)`, [payload]);
    faults.forged += 1;
  }
  toString = () => `forge(${this.kind})`;
}

const instanceIndex = fc.nat({ max: 2 });

/** Every command the model-based test interleaves. */
export const busCommands = [
  fc
    .tuple(
      instanceIndex,
      fc.oneof(fc.integer({ min: 1, max: 20 }), fc.integer({ min: 100, max: 3000 })),
    )
    .map(([i, n]) => new Post(i, n)),
  instanceIndex.map((i) => new PostAsync(i)),
  instanceIndex.map((i) => new Flush(i)),
  fc
    .tuple(instanceIndex, fc.constantFrom('listener' as const, 'writer' as const))
    .map(([i, which]) => new KillConnection(i, which)),
  fc.integer({ min: 50, max: 800 }).map((ms) => new Outage(ms)),
  fc
    .constantFrom<Forgery>('ahead', 'next', 'types', 'position', 'garbage')
    .map((kind) => new Forge(kind)),
];
