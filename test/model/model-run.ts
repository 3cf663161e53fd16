/**
 * A model-based randomized test of the write and delivery path on a real store (PostgreSQL or
 * Redis): random interleavings of post, postAsync and flush on 1–3 instances with random batch
 * sizes, while listening and writing connections are cut, the store goes away for a while and
 * wake-ups are forged. After every run, the invariants the bus promises are checked.
 *
 * `MODEL_RUNS` sets the number of runs (the soak, `npm run soak`, runs many); `MODEL_SEED`
 * replays a run that failed, with the seed and path fast-check printed.
 */
import fc from 'fast-check';
import { MAX_RECENT } from '../../src';
import { eventually } from '../support/bus-app';
import { InlineInstance, ModelInstance } from './bus-instance';
import { actionsOf, BusModel, busCommands, BusWorld, faults, tableRows } from './bus-model';
import { ModelStore } from './model-store';
import { ProcessInstance } from './process-instance';

const runs = Number(process.env.MODEL_RUNS ?? 8);
const seed = process.env.MODEL_SEED === undefined ? undefined : Number(process.env.MODEL_SEED);
const path = process.env.MODEL_PATH;

const totals = { runs: 0, commands: 0, entries: 0 };

/** An instance of a run: where it runs, and how large its appends may be. */
const instanceArb = (where: fc.Arbitrary<'inline' | 'process'>) =>
  fc.record({ where, maxBatchSize: fc.constantFrom(1, 2, 5, 64, 2000) });

async function startInstance(
  store: ModelStore,
  index: number,
  { where, maxBatchSize }: { where: 'inline' | 'process'; maxBatchSize: number },
): Promise<ModelInstance> {
  const config = { store: store.config(index), maxBatchSize };
  return where === 'inline' ? InlineInstance.start(config) : ProcessInstance.start(config);
}

/** The invariants every run must end with, once every instance has flushed. */
async function checkInvariants(model: BusModel, world: BusWorld): Promise<void> {
  await world.outage;
  await Promise.all(world.instances.map((i) => i.flush()));
  const rows = await tableRows(world);
  const actions = rows.map((r) => r.action);

  // Nothing doubled; nothing accepted lost; per instance, storage order is post order.
  expect(new Set(actions).size).toBe(actions.length);
  model.posted.forEach((posted, i) => expect(actionsOf(rows, i)).toEqual(posted));
  expect(rows.length).toBe(model.posted.flat().length);
  for (const action of model.acknowledged) expect(actions).toContain(action);

  // Every subscriber on every instance saw exactly the table, in its order, field for field.
  const wire = rows;
  await eventually(async () => {
    const seen = await Promise.all(world.instances.map((i) => i.seen()));
    return seen.every((s) => s.length >= rows.length);
  }, 30_000);
  for (const instance of world.instances) {
    expect(await instance.seen()).toEqual(wire);
    // Reads agree with the table: all of recent() (as far as one read goes), each room's, and
    // the snapshot, every agent of every room, empty runs included.
    const n = Math.min(MAX_RECENT, Math.max(1, rows.length));
    const entries = wire.map(({ id: _id, ...e }) => e);
    expect(await instance.recent(n)).toEqual(entries.slice(-n));
    for (const room of ROOMS) {
      const inRoom = entries.filter((e) => e.room_id === room);
      expect(await instance.recent(50, room)).toEqual(inRoom.slice(-50));
    }
    expect(await instance.snapshot()).toEqual(latestPerAgent(entries));
  }
  totals.entries += rows.length;
}

const ROOMS = ['room-0', 'room-1', 'room-2', 'room-3'];

/** The snapshot the table implies: each agent's newest entry per room, by room then agent. */
function latestPerAgent(
  entries: { agent_id: string; room_id: string; seq: number }[],
): { agentId: string; roomId: string; seq: number }[] {
  const latest = new Map<string, { agentId: string; roomId: string; seq: number }>();
  for (const e of entries) {
    latest.set(`${e.room_id}\u0000${e.agent_id}`, {
      agentId: e.agent_id,
      roomId: e.room_id,
      seq: e.seq,
    });
  }
  return [...latest.values()].sort(
    (a, b) => a.roomId.localeCompare(b.roomId) || a.agentId.localeCompare(b.agentId),
  );
}

/**
 * Runs the property: a fresh store and fresh instances per run. Resolves how many runs reached
 * the end of their invariant check (all of them, when fast-check found no failure).
 */
async function property(
  createStore: () => Promise<ModelStore>,
  instances: fc.Arbitrary<{ where: 'inline' | 'process'; maxBatchSize: number }[]>,
  numRuns: number,
  maxCommands: number,
): Promise<number> {
  let checked = 0;
  await fc.assert(
    fc.asyncProperty(
      instances,
      fc.commands(busCommands, { maxCommands, size: 'max' }),
      async (config, cmds) => {
        const store = await createStore();
        const started: ModelInstance[] = [];
        try {
          for (const [i, c] of config.entries()) started.push(await startInstance(store, i, c));
          const world = new BusWorld(store, started);
          const model: BusModel = {
            posted: config.map(() => []),
            acknowledged: new Set(),
            next: 0,
          };
          await fc.asyncModelRun(() => ({ model, real: world }), cmds);
          await checkInvariants(model, world);
          checked += 1;
          totals.runs += 1;
          totals.commands += [...cmds].length;
        } finally {
          await Promise.all(started.map((i) => i.close().catch(() => undefined)));
          await store.drop();
        }
      },
    ),
    // Shrinks by default: a failure prints the smallest command sequence found, with the seed
    // and path that replay it. MODEL_SHRINK=0 stops at the first failure (quicker, larger).
    { numRuns, seed, path, endOnFailure: process.env.MODEL_SHRINK === '0', verbose: 1 },
  );
  return checked;
}

/** How many runs each kind of run makes (`MODEL_RUNS`; a quarter of them in child processes). */
export const MODEL_RUNS = { inOneProcess: runs, inProcesses: Math.max(1, Math.round(runs / 4)) };

/** Runs with 1–3 instances in this process; resolves how many passed every check. */
export function inOneProcess(createStore: () => Promise<ModelStore>): Promise<number> {
  return property(
    createStore,
    fc.array(instanceArb(fc.constant('inline' as const)), { minLength: 1, maxLength: 3 }),
    MODEL_RUNS.inOneProcess,
    25,
  );
}

/** Runs with two instances, at least one in a child process; resolves how many passed. */
export function inProcesses(createStore: () => Promise<ModelStore>): Promise<number> {
  return property(
    createStore,
    fc.tuple(
      instanceArb(fc.constant('process' as const)),
      instanceArb(fc.constantFrom('inline' as const, 'process' as const)),
    ),
    MODEL_RUNS.inProcesses,
    15,
  );
}

/** Prints the totals of every run so far: one line the soak collects into RELIABILITY.md. */
export function reportTotals(): void {
  process.stdout.write(
    `model runs: ${totals.runs}, commands: ${totals.commands}, entries: ${totals.entries}, ` +
      `faults: ${JSON.stringify(faults)}\n`,
  );
}
