/**
 * A model-based randomized test of the write and delivery path on a real store (PostgreSQL or
 * Redis): random interleavings of post, postAsync and flush on 1–3 instances with random batch
 * sizes, some with a subscriber from the start and some taking entries only while one has
 * joined (reading nothing back the rest of the time), while listening and writing connections
 * are cut, the store goes away for a while and wake-ups are forged. After every run, the
 * invariants the bus promises are checked.
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

/**
 * An instance of a run: where it runs, how large its appends may be, and whether a subscriber
 * records from the start (without one, it takes entries only while one has joined).
 */
const instanceArb = (where: fc.Arbitrary<'inline' | 'process'>) =>
  fc.record({ where, maxBatchSize: fc.constantFrom(1, 2, 5, 64, 2000), recorder: fc.boolean() });

type InstanceChoice = { where: 'inline' | 'process'; maxBatchSize: number; recorder: boolean };

async function startInstance(
  store: ModelStore,
  index: number,
  { where, maxBatchSize, recorder }: InstanceChoice,
): Promise<ModelInstance> {
  const config = { store: store.config(index), maxBatchSize, recorder };
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

  // Every subscriber from the start on every instance saw exactly the table, in its order,
  // field for field.
  const wire = rows;
  const recording = world.instances.filter((_, i) => world.recorders[i]);
  await eventually(async () => {
    const seen = await Promise.all(recording.map((i) => i.seen()));
    return seen.every((s) => s.length >= rows.length);
  }, 30_000);
  await checkJoined(model, world, rows);
  for (const [index, instance] of world.instances.entries()) {
    if (world.recorders[index]) expect(await instance.seen()).toEqual(wire);
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

/**
 * Every subscriber that joined saw a run of the table with no gap, in order, once each; one
 * still subscribed saw it to the end, from no later than the first action made after it joined
 * (on an instance that took nothing before, the feed had only learnt the head).
 */
async function checkJoined(
  model: BusModel,
  world: BusWorld,
  rows: { id: string; action: string }[],
): Promise<void> {
  const at = new Map(rows.map((r, i) => [r.id, i]));
  const numberOf = (action: string) => Number(action.slice(action.indexOf('-') + 1));
  for (const [i, instance] of world.instances.entries()) {
    const joinedAt = model.joinedAt[i];
    // Where the first entry made after the recorder still subscribed joined stands; -1: none.
    const firstAfter =
      joinedAt === undefined ? -1 : rows.findIndex((r) => numberOf(r.action) >= joinedAt);
    if (firstAfter !== -1) {
      await eventually(async () => {
        const { seen } = (await instance.joined()).at(-1)!;
        return seen.at(-1)?.id === rows.at(-1)!.id;
      }, 30_000);
    }
    for (const segment of await instance.joined()) {
      if (segment.seen.length === 0) continue;
      const start = at.get(segment.seen[0]!.id);
      expect(start).toBeDefined();
      expect(segment.seen).toEqual(rows.slice(start, start! + segment.seen.length));
      if (segment.active && firstAfter !== -1) {
        expect(start! + segment.seen.length).toBe(rows.length);
        expect(start).toBeLessThanOrEqual(firstAfter);
      }
    }
  }
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
  instances: fc.Arbitrary<InstanceChoice[]>,
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
          const world = new BusWorld(
            store,
            started,
            config.map((c) => c.recorder),
          );
          const model: BusModel = {
            posted: config.map(() => []),
            joinedAt: config.map(() => undefined),
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
