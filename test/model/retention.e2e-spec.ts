/**
 * A model-based randomized test of retention on real PostgreSQL: two instances on one database
 * post in bursts that outrun the partitions, maintain one at a time or both at once, while the
 * clock moves on, the archive folder now and then cannot be written, a reader holds the log
 * across a pass, and a pass's connections are cut at a random moment. After every command:
 * nothing inside the horizon is gone, and nothing is gone unarchived. Once the faults stop, a
 * bounded number of passes removes what lies past the horizon, and the archives verify, also
 * against the database's record; any damage to one is found and named.
 *
 * `MODEL_RUNS` sets the number of runs (`npm run soak` runs many); `MODEL_SEED` and `MODEL_PATH`
 * replay one that failed, as fast-check prints them.
 */
import fc from 'fast-check';
import { mkdir, mkdtemp, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { STATUS_BACKEND } from '../../src';
import { ManualClock } from '../../src/testing';
import {
  PostgresStatusBackend,
  readStatusArchive,
  StatusArchiveError,
  verifyStatusArchives,
} from '../../src/postgres';
import { archiveFileName } from '../../src/retention/status-archive';
import { Client } from 'pg';
import { BusApp, startBusApp } from '../support/bus-app';
import { createTestDatabase, TestDatabase } from '../support/test-database';

const HOUR = 3_600_000;
const KEEP = 24 * HOUR;
const runs = Number(process.env.MODEL_RUNS ?? 8);
const seed = process.env.MODEL_SEED === undefined ? undefined : Number(process.env.MODEL_SEED);
const path = process.env.MODEL_PATH;

/** The world of one run: the database, the instances, the clock, what was posted and when. */
interface World {
  db: TestDatabase;
  clock: ManualClock;
  archiveDir: string;
  instances: BusApp[];
  /** Every acknowledged entry: its position and the clock when it was posted. */
  posted: { seq: number; at: number }[];
  /** Paths made unwritable (a directory where an archive's file goes). */
  blocked: string[];
}

const backendOf = (app: BusApp) => app.app.get<PostgresStatusBackend>(STATUS_BACKEND);

/** Positions the store still holds, and those archived, from the outside. */
async function kept(world: World): Promise<{ stored: number[]; archived: number[] }> {
  const stored = (
    await world.db.query<{ seq: string }>('SELECT seq FROM status_bus_entries ORDER BY seq')
  ).map((r) => Number(r.seq));
  const archived: number[] = [];
  for (const file of (await readdir(world.archiveDir)).filter((f) => f.endsWith('.jsonl.gz'))) {
    for await (const item of readStatusArchive(join(world.archiveDir, file))) {
      if ('seq' in item && item.seq !== undefined) archived.push(item.seq);
    }
  }
  return { stored, archived: archived.sort((a, b) => a - b) };
}

/** After every command: inside the horizon nothing is gone; nothing is gone unarchived. */
async function checkKept(world: World): Promise<void> {
  const { stored, archived } = await kept(world);
  const storedSet = new Set(stored);
  const horizon = world.clock.now() - KEEP;
  for (const { seq, at } of world.posted) {
    if (at >= horizon) expect({ seq, stored: storedSet.has(seq) }).toEqual({ seq, stored: true });
  }
  // Every acknowledged entry is in the store or in an archive; in an archive once at most. (A
  // pass cut between writing a partition's archive and dropping it leaves its entries in both,
  // until a later pass drops it; `settle` checks that one does.)
  expect(new Set(archived).size).toBe(archived.length);
  const all = new Set([...stored, ...archived]);
  expect([...all].sort((a, b) => a - b)).toEqual(
    world.posted.map((p) => p.seq).sort((a, b) => a - b),
  );
}

class Post implements fc.AsyncCommand<object, World> {
  constructor(
    readonly instance: number,
    readonly count: number,
  ) {}
  check = () => true;
  async run(_m: object, world: World): Promise<void> {
    const app = world.instances[this.instance]!;
    const entries = await Promise.all(
      Array.from({ length: this.count }, (_, i) => app.bus.postAsync('exec', `burst-${i}`, 'info')),
    );
    for (const e of entries) world.posted.push({ seq: e.seq!, at: world.clock.now() });
    await checkKept(world);
  }
  toString = () => `post(${this.instance}, ${this.count})`;
}

class Advance implements fc.AsyncCommand<object, World> {
  constructor(readonly hours: number) {}
  check = () => true;
  async run(_m: object, world: World): Promise<void> {
    world.clock.advance(this.hours * HOUR);
  }
  toString = () => `advance(${this.hours}h)`;
}

class Maintain implements fc.AsyncCommand<object, World> {
  /** `both`: the two instances at once, as their timers may fire together. */
  constructor(readonly who: 0 | 1 | 'both') {}
  check = () => true;
  async run(_m: object, world: World): Promise<void> {
    const apps = this.who === 'both' ? world.instances : [world.instances[this.who]!];
    await Promise.all(apps.map((a) => backendOf(a).maintain()));
    await checkKept(world);
  }
  toString = () => `maintain(${this.who})`;
}

/** Makes every archive the next pass could write unwritable, until `Unblock`. */
class Block implements fc.AsyncCommand<object, World> {
  check = () => true;
  async run(_m: object, world: World): Promise<void> {
    const partitions = await world.db.query<{ name: string; from: number | null }>(
      `SELECT name, from_seq::float8 AS "from" FROM status_bus_entries_partitions()`,
    );
    for (const p of partitions) {
      const path = join(world.archiveDir, `${archiveFileName(p.from ?? 0, p.name)}.partial`);
      if (world.blocked.includes(path)) continue;
      await mkdir(path);
      world.blocked.push(path);
    }
  }
  toString = () => 'blockArchives';
}

/**
 * A reader holds a snapshot of the log across a pass (longer than the maintenance's lock
 * timeout): the concurrent detach gives up halfway, and a later pass must finish it.
 */
class LongReader implements fc.AsyncCommand<object, World> {
  constructor(readonly who: 0 | 1) {}
  check = () => true;
  async run(_m: object, world: World): Promise<void> {
    const reader = new Client({ connectionString: world.db.url });
    await reader.connect();
    try {
      await reader.query('BEGIN ISOLATION LEVEL REPEATABLE READ');
      await reader.query('SELECT count(*) FROM status_bus_entries');
      await backendOf(world.instances[this.who]!).maintain();
    } finally {
      await reader.query('ROLLBACK').catch(() => undefined);
      await reader.end();
    }
    await checkKept(world);
  }
  toString = () => `longReader(${this.who})`;
}

/** A pass whose connections are cut at a random moment, as a killed instance's would be. */
class KillMidPass implements fc.AsyncCommand<object, World> {
  constructor(
    readonly who: 0 | 1,
    readonly afterMs: number,
  ) {}
  check = () => true;
  async run(_m: object, world: World): Promise<void> {
    const pass = backendOf(world.instances[this.who]!).maintain();
    await new Promise((resolve) => setTimeout(resolve, this.afterMs));
    await world.db.query(
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
        WHERE datname = current_database() AND pid <> pg_backend_pid() AND state = 'active'
          AND application_name <> 'nest-status-bus-listener'`,
    );
    await pass;
    await checkKept(world);
  }
  toString = () => `killMidPass(${this.who}, ${this.afterMs} ms)`;
}

class Unblock implements fc.AsyncCommand<object, World> {
  check = () => true;
  async run(_m: object, world: World): Promise<void> {
    await Promise.all(world.blocked.splice(0).map((p) => rm(p, { recursive: true })));
  }
  toString = () => 'unblockArchives';
}

const post = fc
  .tuple(fc.constantFrom(0, 1), fc.integer({ min: 1, max: 40 }))
  .map(([i, n]) => new Post(i, n));
const advance = fc.integer({ min: 1, max: 30 }).map((h) => new Advance(h));
const maintain = fc.constantFrom<0 | 1 | 'both'>(0, 1, 'both').map((who) => new Maintain(who));
/** Posts, the clock and passes most often; the archive folder's faults now and then. */
const longReader = fc.constantFrom<0 | 1>(0, 1).map((who) => new LongReader(who));
const killMidPass = fc
  .tuple(fc.constantFrom<0 | 1>(0, 1), fc.integer({ min: 0, max: 30 }))
  .map(([who, ms]) => new KillMidPass(who, ms));
const commands = [
  post,
  post,
  advance,
  advance,
  maintain,
  maintain,
  fc.constant(new Block()),
  fc.constant(new Unblock()),
  killMidPass,
  // Rare: each holds a pass for the maintenance's lock timeout (5 s).
  fc.oneof({ weight: 1, arbitrary: longReader }, { weight: 3, arbitrary: maintain }),
];

/** Once the faults stop: passes remove what lies past the horizon, and the archives verify. */
async function settle(world: World): Promise<void> {
  await new Unblock().run({}, world);
  const [a] = world.instances as [BusApp];
  await backendOf(a).maintain();
  const head = world.posted.reduce((max, p) => Math.max(max, p.seq), 0);
  world.clock.advance(2 * KEEP);
  const last = await a.bus.postAsync('exec', 'after', 'info');
  world.posted.push({ seq: last.seq!, at: world.clock.now() });
  for (let pass = 0; pass < 3; pass++) await backendOf(a).maintain();
  await checkKept(world);
  // Nothing is left both archived and stored: an interrupted pass's partition is dropped now.
  const { stored, archived } = await kept(world);
  expect(stored.filter((seq) => archived.includes(seq))).toEqual([]);
  // Everything up to the sampled head is gone but what shares a partition with newer entries.
  const oldest = await a.bus.oldestSeq();
  expect(oldest).toBeGreaterThan(Math.max(0, head - 10));
  const recorded = await backendOf(a).archiveRecords();
  const report = await verifyStatusArchives(world.archiveDir, { recorded });
  // The chain ends with the last entry before the oldest kept: positions between them may have
  // been spent by appends that failed (a batch that outran the partitions), never stored.
  const before = world.posted.map((p) => p.seq).filter((seq) => seq < oldest);
  expect(report.lastSeq).toBe(Math.max(0, ...before));
}

/** Damages the archives one way at a time: each is found, naming the file. */
async function checkDamageFound(world: World): Promise<void> {
  const recorded = await backendOf(world.instances[0]!).archiveRecords();
  const files = (await readdir(world.archiveDir)).filter((f) => f.endsWith('.jsonl.gz')).sort();
  if (files.length < 2) return;
  const verify = () => verifyStatusArchives(world.archiveDir, { recorded });
  for (const file of [files[0]!, files.at(-1)!]) {
    const path = join(world.archiveDir, file);
    const original = await readFile(path);
    for (const damaged of [original.subarray(0, original.length - 8), Buffer.from('x')]) {
      await writeFile(path, damaged);
      await expect(verify()).rejects.toThrow(StatusArchiveError);
      await expect(verify()).rejects.toThrow(file);
    }
    await rm(path);
    await expect(verify()).rejects.toThrow(StatusArchiveError);
    await writeFile(path, original);
  }
  // Two archives swapped: out of order.
  const [first, second] = files.map((f) => join(world.archiveDir, f)) as [string, string];
  await rename(first, `${first}.tmp`);
  await rename(second, first);
  await rename(`${first}.tmp`, second);
  await expect(verify()).rejects.toThrow(StatusArchiveError);
}

describe('retention, against a model (PostgreSQL)', () => {
  it('never removes what is inside the horizon or unarchived, removes the rest once faults stop, and every archive verifies', async () => {
    await fc.assert(
      fc.asyncProperty(fc.commands(commands, { maxCommands: 40, size: 'max' }), async (cmds) => {
        const db = await createTestDatabase('retention_model');
        const clock = new ManualClock(Date.parse('2026-06-01T00:00:00Z'));
        const archiveDir = await mkdtemp(join(tmpdir(), 'status-bus-retention-model-'));
        const world: World = { db, clock, archiveDir, instances: [], posted: [], blocked: [] };
        try {
          for (let i = 0; i < 2; i++) {
            world.instances.push(
              await startBusApp({
                clock: clock.now,
                retention: { keep: KEEP, archiveDir },
                postgres: { url: db.url, migrationsRun: true, partitionSize: 10 },
              }),
            );
          }
          await fc.asyncModelRun(() => ({ model: {}, real: world }), cmds);
          await settle(world);
          await checkDamageFound(world);
        } finally {
          await Promise.all(world.instances.map((i) => i.app.close()));
          await db.drop();
          await rm(archiveDir, { recursive: true, force: true });
        }
      }),
      { numRuns: runs, seed, path },
    );
  }, 600_000);
});
