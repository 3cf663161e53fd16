import { Redis } from 'ioredis';
import {
  STATUS_BACKEND,
  StatusEntry,
  StatusFilter,
  StatusLevel,
  StatusResumePointLostError,
} from '../../src';
import { RedisStatusBackend } from '../../src/redis';
import { BusApp, BusAppOptions, eventually, record, startBusApp } from '../support/bus-app';
import { createTestPrefix, sharedRedisUrl, TestPrefix } from '../support/test-redis';

/** A pseudo-random generator with a seed, so that a failing case can be replayed. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

describe('the bus on Redis', () => {
  const apps: BusApp[] = [];
  const prefixes: TestPrefix[] = [];
  let redis: Redis;

  beforeAll(async () => {
    redis = new Redis(sharedRedisUrl());
  });
  afterEach(async () => {
    await Promise.all(apps.splice(0).map((a) => a.app.close()));
    await Promise.all(prefixes.splice(0).map((p) => p.drop()));
  });
  afterAll(() => redis.disconnect());

  async function prefix(name: string): Promise<string> {
    const p = await createTestPrefix(name);
    prefixes.push(p);
    return p.prefix;
  }

  async function start(key: string, options: BusAppOptions = {}): Promise<BusApp> {
    const app = await startBusApp({
      ...options,
      redis: { url: sharedRedisUrl(), prefix: key, pollIntervalMs: 60_000, ...options.redis },
    });
    apps.push(app);
    return app;
  }

  /** The positions and actions the stream holds, in its order. */
  async function stream(key: string): Promise<{ seq: number; action: string }[]> {
    const rows = await redis.xrange(`{${key}}:log`, '-', '+');
    return rows.map(([id, fields]) => ({
      seq: Number.parseInt(id, 10),
      action: (JSON.parse(fields[3]!) as string[])[3]!,
    }));
  }

  it('is one bus across instances: one gapless order, delivered to each, each instance in post order', async () => {
    const key = await prefix('one-bus');
    // The wake-up messages alone carry delivery here: the poll is a minute away.
    const a = await start(key, { maxBatchSize: 50 });
    const b = await start(key, { maxBatchSize: 50 });
    const [seenA, seenB] = [await record(a.bus), await record(b.bus)];
    const posted: Record<string, string[]> = { a: [], b: [] };
    for (let i = 0; i < 2000; i++) {
      posted.a!.push(a.bus.post('exec', `a${i}`, 'ok').action);
      posted.b!.push(b.bus.post('voice', `b${i}`, 'info').action);
    }
    await Promise.all([a.bus.flush(), b.bus.flush()]);
    await eventually(() => seenA.length === 4000 && seenB.length === 4000);
    const stored = await stream(key);
    expect(stored.map((r) => r.seq)).toEqual(Array.from({ length: 4000 }, (_, i) => i + 1));
    for (const seen of [seenA, seenB]) {
      expect(seen.map((e) => [e.seq, e.action])).toEqual(stored.map((r) => [r.seq, r.action]));
    }
    for (const [who, actions] of Object.entries(posted)) {
      expect(stored.map((r) => r.action).filter((x) => x.startsWith(who))).toEqual(actions);
    }
  });

  it('answers filtered reads as a plain reading of the stream would (random filters)', async () => {
    const key = await prefix('filters');
    const { app } = await start(key);
    const backend = app.get<RedisStatusBackend>(STATUS_BACKEND);
    const next = random(20261205);
    const pick = <T>(xs: readonly T[]) => xs[Math.floor(next() * xs.length)]!;
    const agents = ['exec', 'voice', 'system', 'planner'];
    const levels: StatusLevel[] = ['ok', 'failed', 'pending', 'info', 'completed'];
    const rooms = ['r1', 'r2', 'r3'];
    const all: StatusEntry[] = [];
    for (let batch = 0; batch < 30; batch++) {
      const entries = Array.from({ length: 100 }, (_, i) =>
        StatusEntry.create(pick(agents), `x${batch}.${i}`, pick(levels), { roomId: pick(rooms) }),
      );
      all.push(...(await backend.append(entries)));
    }
    const matching = (f: StatusFilter) =>
      all.filter(
        (e) =>
          (f.agentId === undefined || e.agentId === f.agentId) &&
          (f.status === undefined || e.status === f.status) &&
          (f.roomId === undefined || e.roomId === f.roomId),
      );
    for (let round = 0; round < 60; round++) {
      const filter: StatusFilter = {};
      if (next() < 0.6) filter.agentId = pick([...agents, 'nobody']);
      if (next() < 0.5) filter.status = pick(levels);
      if (next() < 0.5) filter.roomId = pick(rooms);
      const n = 1 + Math.floor(next() * 400);
      const after = Math.floor(next() * 3100);
      const expected = matching(filter);
      expect((await backend.recent(n, filter)).map((e) => e.seq)).toEqual(
        expected.slice(-n).map((e) => e.seq),
      );
      expect((await backend.readAfter(after, n, filter)).map((e) => e.seq)).toEqual(
        expected
          .filter((e) => e.seq! > after)
          .slice(0, n)
          .map((e) => e.seq),
      );
    }
    const last = all[all.length - 1]!;
    expect(await backend.recent(1)).toEqual([last]);
  });

  it('finds entries past what one read script looks at (a rare combination of common fields)', async () => {
    const key = await prefix('budget');
    const { app } = await start(key);
    const backend = app.get<RedisStatusBackend>(STATUS_BACKEND);
    const rare = await backend.append([
      StatusEntry.create('exec', 'rare-old', 'ok', { roomId: 'r2' }),
    ]);
    for (let i = 0; i < 6; i++) {
      await backend.append(
        Array.from({ length: 1000 }, (_, j) => [
          StatusEntry.create('exec', `e${i}.${j}`, 'ok', { roomId: 'r1' }),
          StatusEntry.create('voice', `v${i}.${j}`, 'ok', { roomId: 'r2' }),
        ]).flat(),
      );
    }
    const [newest] = await backend.append([
      StatusEntry.create('exec', 'rare-new', 'ok', { roomId: 'r2' }),
    ]);
    // Each index holds over 6,000 positions: more than one script call looks at.
    const filter = { agentId: 'exec', roomId: 'r2' };
    expect((await backend.recent(5, filter)).map((e) => e.action)).toEqual([
      'rare-old',
      'rare-new',
    ]);
    expect((await backend.readAfter(0, 5, filter)).map((e) => e.seq)).toEqual([
      rare[0]!.seq,
      newest!.seq,
    ]);
    expect((await backend.readAfter(rare[0]!.seq!, 5, filter)).map((e) => e.seq)).toEqual([
      newest!.seq,
    ]);
  });

  it('stores a retried append once, past the rotation of its writer window, which expires', async () => {
    const key = await prefix('retries');
    const { app } = await start(key);
    const backend = app.get<RedisStatusBackend>(STATUS_BACKEND);
    const batches = Array.from({ length: 15 }, (_, b) =>
      Array.from({ length: 1000 }, (_, i) => StatusEntry.create('exec', `b${b}.${i}`, 'ok')),
    );
    const stored: StatusEntry[][] = [];
    for (const batch of batches) stored.push(await backend.append(batch));
    // 15,000 ids went through a window that turns over at 10,000: batches 9 and 10 straddle
    // the turn, and a retry of both, merged, finds their positions.
    const retried = await backend.append([...batches[9]!, ...batches[10]!]);
    expect(retried.map((e) => e.seq)).toEqual([...stored[9]!, ...stored[10]!].map((e) => e.seq));
    expect(await redis.xlen(`{${key}}:log`)).toBe(15_000);
    const windows = await redis.keys(`{${key}}:w:*`);
    expect(windows).toHaveLength(2);
    for (const window of windows)
      expect(await redis.pttl(window)).toBeGreaterThan(6 * 24 * 3600_000);
  });

  it('never moves a position for a forged wake-up message', async () => {
    const key = await prefix('forged');
    const a = await start(key);
    const b = await start(key);
    const seen = await record(b.bus);
    await a.bus.postAsync('exec', 'first', 'ok');
    await eventually(() => seen.length === 1);
    await redis.publish(`{${key}}:appended`, '999999');
    await redis.publish(`{${key}}:appended`, 'not a position');
    await a.bus.postAsync('exec', 'second', 'ok');
    await eventually(() => seen.length === 2);
    expect(seen.map((e) => [e.seq, e.action])).toEqual([
      [1, 'first'],
      [2, 'second'],
    ]);
    expect(await b.bus.entriesAfter(0)).toHaveLength(2);
  });

  it('trims by count with the indexes, and a resume point below the horizon is refused', async () => {
    const key = await prefix('retention-count');
    const { app, bus } = await start(key, { redis: { maxEntries: 100 } });
    const backend = app.get<RedisStatusBackend>(STATUS_BACKEND);
    await bus.postAsync('exec', 'done early', 'completed', { roomId: 'r9' });
    for (let i = 0; i < 299; i++) bus.post(i % 2 ? 'exec' : 'voice', `p${i}`, 'ok');
    await bus.flush();
    expect(await backend.trim()).toBe(200);
    expect(await redis.xlen(`{${key}}:log`)).toBe(100);
    expect(await redis.xlen(`{${key}}:a:exec`)).toBe(50);
    expect(await redis.xlen(`{${key}}:s:ok`)).toBe(100);
    expect(await redis.exists(`{${key}}:r:r9`)).toBe(0);
    expect(await bus.oldestSeq()).toBe(201);
    expect(await bus.hasCompleted('exec')).toBe(false);
    expect((await bus.recent(500, { agentId: 'exec' })).map((e) => e.seq)).toEqual(
      Array.from({ length: 50 }, (_, i) => 201 + 2 * i),
    );
    await expect(bus.entriesAfter(5)).rejects.toThrow(StatusResumePointLostError);
    expect((await bus.entriesAfter(200, 1)).map((e) => e.seq)).toEqual([201]);
    expect(backend.removed().entries).toBe(200);
    expect(backend.maintenance().failingInARow).toBe(0);
  });

  it('trims by age, by the server clock at append', async () => {
    const key = await prefix('retention-age');
    const { app, bus } = await start(key, { retention: { keep: 300, checkEveryMs: 3_600_000 } });
    const backend = app.get<RedisStatusBackend>(STATUS_BACKEND);
    for (let i = 0; i < 10; i++) bus.post('exec', `old${i}`, 'ok');
    await bus.flush();
    const serverMs = async () => {
      const [seconds, micros] = await redis.time();
      return Number(seconds) * 1000 + Number(micros) / 1000;
    };
    const appended = await serverMs();
    // Newer entries, once the server's clock is past the old ones' keep.
    await eventually(async () => (await serverMs()) > appended + 400, 5000);
    const newer = Array.from({ length: 5 }, (_, i) => bus.post('exec', `new${i}`, 'ok').action);
    await bus.flush();
    expect(await backend.trim()).toBe(10);
    expect((await stream(key)).map((r) => r.action)).toEqual(newer);
  });

  it("takes the application's client from a copy of ioredis of its own, and refuses what is no client", async () => {
    // A second copy of the module, as an application that installs its own ioredis has: its
    // classes are not the ones the bus imports.
    let Copy!: typeof Redis;
    jest.isolateModules(() => {
      Copy = jest.requireActual<{ Redis: typeof Redis }>('ioredis').Redis;
    });
    expect(Copy).not.toBe(Redis);
    const client = new Copy(sharedRedisUrl(), { lazyConnect: true });
    try {
      const key = await prefix('copy');
      const { bus } = await start(key, { redis: { url: undefined, client, prefix: key } });
      const posted = await bus.postAsync('exec', 'through a copy', 'ok');
      expect(await bus.recent(1)).toEqual([posted]);
      expect(await stream(key)).toEqual([{ seq: posted.seq, action: 'through a copy' }]);
    } finally {
      client.disconnect();
    }
    for (const notClient of [{}, { duplicate: () => undefined }, 'redis://x']) {
      expect(() => new RedisStatusBackend({ client: notClient as never })).toThrow(
        /redis\.client must be an ioredis Redis or Cluster client, got /,
      );
    }
  });

  it('refuses options that make no sense, naming them, and never shows the URL', () => {
    const secret = 'hunter2-secret';
    expect(() => new RedisStatusBackend({ url: `http://user:${secret}@host` })).toThrow(
      /redis\.url must be a redis:\/\/ or rediss:\/\/ URL, got another string/,
    );
    expect(() => new RedisStatusBackend({ url: `http://user:${secret}@host` })).not.toThrow(secret);
    expect(() => new RedisStatusBackend({})).toThrow(/redis needs exactly one of url/);
    expect(() => new RedisStatusBackend({ url: 'redis://x', prefix: 'a{b}' })).toThrow(
      /redis\.prefix must be a non-empty string of at most 100 characters without braces/,
    );
    expect(() => new RedisStatusBackend({ url: 'redis://x', waitForReplicas: -1 })).toThrow(
      /redis\.waitForReplicas must be an integer ≥ 0, got a number \(-1\)/,
    );
    expect(
      () =>
        new RedisStatusBackend(
          { url: 'redis://x' },
          { retention: { keepMs: 1, archiveDir: '/tmp/x', checkEveryMs: 1 } },
        ),
    ).toThrow(/retention\.archiveDir applies to the log in PostgreSQL/);
  });
});
