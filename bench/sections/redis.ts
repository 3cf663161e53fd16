import { Redis } from 'ioredis';
import { StatusBusService, StatusLevel } from '../../src';
import { RedisServer } from '../../test/support/redis-server';
import { createTestDatabase } from '../../test/support/test-database';
import { startBus } from '../bus-app';
import { inFlight, latencies, progress, rate, Row, sampleEntry, Section, sleep } from '../measure';
import { writerProcesses } from './writers';

const epochMs = () => performance.timeOrigin + performance.now();
const perSecond = 'entries/s';

/** An entry as the stream stores it, for the bare baselines to write the same bytes. */
function storedForm(i: number): string {
  const e = sampleEntry(i);
  return JSON.stringify([
    '0190f3a0-0000-7000-8000-000000000000',
    new Date().toISOString(),
    e.agentId,
    e.action,
    e.status,
    e.detail,
    e.metadata,
    'default',
  ]);
}

function post(bus: StatusBusService, i: number): void {
  const e = sampleEntry(i);
  bus.post(e.agentId, e.action, e.status, { detail: e.detail, metadata: e.metadata });
}

/** The floor of a Redis log: the same entries XADDed, pipelined 2,000 at a time. */
async function bareXadd(redis: Redis, key: string, n: number): Promise<number> {
  return rate(n, async () => {
    for (let done = 0; done < n; done += 2000) {
      const pipeline = redis.pipeline();
      for (let i = done; i < Math.min(n, done + 2000); i++) {
        pipeline.xadd(key, '*', 'e', storedForm(i));
      }
      await pipeline.exec();
    }
  });
}

/** Post × n then flush, on a bus with the store `options`. */
async function postThenFlush(options: Parameters<typeof startBus>[0], n: number): Promise<number> {
  const { app, bus } = await startBus({ ...options, maxBufferedEntries: n + 1 });
  try {
    return await rate(n, async () => {
      for (let i = 0; i < n; i++) post(bus, i);
      await bus.flush();
    });
  } finally {
    await app.close();
  }
}

async function postAsyncInFlight(
  options: Parameters<typeof startBus>[0],
  n: number,
): Promise<number> {
  const { app, bus } = await startBus(options);
  try {
    return await rate(n, () =>
      inFlight(n, 256, (i) => {
        const e = sampleEntry(i);
        return bus.postAsync(e.agentId, e.action, e.status, { metadata: e.metadata });
      }),
    );
  } finally {
    await app.close();
  }
}

/** A bare XADD on one connection read by a blocking XREAD on another: the floor of a hand-over. */
async function xaddToXread(url: string, count: number): Promise<number[]> {
  const reader = new Redis(url);
  const writer = new Redis(url);
  const samples: number[] = [];
  let stop = false;
  const reading = (async () => {
    let last = '$';
    while (!stop) {
      const reply = await reader.xread('BLOCK', 200, 'STREAMS', 'bench:handover', last);
      for (const [, rows] of reply ?? []) {
        for (const [id, fields] of rows) {
          samples.push(epochMs() - Number(fields[1]));
          last = id;
        }
      }
    }
  })();
  await sleep(50);
  for (let i = 0; i < count; i++) {
    await writer.xadd('bench:handover', '*', 'sent', String(epochMs()));
    await sleep(2);
  }
  await sleep(300);
  stop = true;
  await reading;
  reader.disconnect();
  writer.disconnect();
  return samples;
}

/** Post on instance A, measured at a subscriber on instance B, both on `url`. */
async function crossInstance(url: string, count: number): Promise<number[]> {
  const options = { redis: { url, prefix: 'bench-cross' } };
  const a = await startBus(options);
  const b = await startBus(options);
  const samples: number[] = [];
  try {
    await b.bus.subscribe((entry) => {
      const sent = entry.metadata.sent as number | undefined;
      if (sent !== undefined) samples.push(epochMs() - sent);
    });
    for (let i = 0; i < count; i++) {
      await a.bus.postAsync('exec', 'probe', 'info', { metadata: { sent: epochMs() } });
      await sleep(2);
    }
    await sleep(300);
    return samples;
  } finally {
    await Promise.all([a.app.close(), b.app.close()]);
  }
}

async function usedMemory(redis: Redis): Promise<number> {
  const info = await redis.info('memory');
  return Number(/used_memory:(\d+)/.exec(info)![1]);
}

/**
 * The bus on Redis beside PostgreSQL, in one run: a Redis server of the bench's own (from the
 * machine's `redis-server`, with an append-only file fsynced every second, the common setting)
 * and a fresh database on the bench's PostgreSQL.
 */
export async function redisBackend(quick: boolean): Promise<Section> {
  const n = quick ? 20_000 : 100_000;
  const large = quick ? 100_000 : 1_000_000;
  const server = await RedisServer.start(['--appendonly', 'yes', '--appendfsync', 'everysec']);
  const redis = new Redis(server.url);
  const db = await createTestDatabase('bench_redis_beside');
  const onRedis = (prefix: string) => ({ redis: { url: server.url, prefix } });
  const onPostgres = { postgres: { url: db.url, migrationsRun: true } };
  const rows: Row[] = [];
  try {
    progress(`bare pipelined XADD × ${n}; post × ${n} then flush, on Redis and on PostgreSQL`);
    const floor = await bareXadd(redis, 'bench:floor', n);
    const viaRedis = await postThenFlush(onRedis('bench-post'), n);
    const viaPostgres = await postThenFlush(onPostgres, n);
    rows.push(
      { name: 'bare XADD, pipelined (the floor)', value: floor, unit: perSecond },
      {
        name: `post × ${n}, then flush (Redis)`,
        value: viaRedis,
        unit: perSecond,
        baseline: { name: 'bare XADD', value: floor },
      },
      {
        name: `post × ${n}, then flush (Redis)`,
        value: viaRedis,
        unit: perSecond,
        baseline: { name: 'the same on PostgreSQL', value: viaPostgres },
      },
    );

    progress(`postAsync × ${n / 4}, 256 in flight, on Redis and on PostgreSQL`);
    const asyncRedis = await postAsyncInFlight(onRedis('bench-async'), n / 4);
    const asyncPostgres = await postAsyncInFlight(onPostgres, n / 4);
    rows.push({
      name: 'postAsync, 256 in flight (Redis)',
      value: asyncRedis,
      unit: perSecond,
      baseline: { name: 'the same on PostgreSQL', value: asyncPostgres },
    });

    const count = quick ? 300 : 2000;
    progress(`post on A → subscriber on B, and bare XADD → blocking XREAD, ${count} each`);
    const bus = latencies(await crossInstance(server.url, count));
    const bare = latencies(await xaddToXread(server.url, count));
    rows.push(
      {
        name: 'A → B p50 (Redis)',
        value: bus.p50,
        unit: 'ms',
        baseline: { name: 'bare XADD → XREAD BLOCK p50', value: bare.p50 },
      },
      {
        name: 'A → B p99 (Redis)',
        value: bus.p99,
        unit: 'ms',
        baseline: { name: 'bare XADD → XREAD BLOCK p99', value: bare.p99 },
      },
    );

    progress(`${large.toLocaleString('en-US')} entries into one bus, then recent(10, filters)`);
    const before = await usedMemory(redis);
    const filled = await startBus({ ...onRedis('bench-large'), maxBufferedEntries: 100_001 });
    for (let done = 0; done < large; done += 100_000) {
      for (let i = done; i < done + 100_000; i++) post(filled.bus, i);
      await filled.bus.flush();
    }
    const after = await usedMemory(redis);
    const status = (i: number) =>
      (['ok', 'info', 'pending', 'completed', 'failed'] as StatusLevel[])[i % 5]!;
    const samples = quick ? 300 : 2000;
    const one: number[] = [];
    const two: number[] = [];
    for (let i = 0; i < samples; i++) {
      let start = performance.now();
      await filled.bus.recent(10, { agentId: `agent${i % 8}` });
      one.push(performance.now() - start);
      start = performance.now();
      await filled.bus.recent(10, { agentId: `agent${i % 8}`, status: status(i) });
      two.push(performance.now() - start);
    }
    await filled.app.close();
    const [byAgent, byBoth] = [latencies(one), latencies(two)];
    const at = `at ${large.toLocaleString('en-US')} entries`;
    rows.push(
      { name: `recent(10, { agentId }) p50 ${at}`, value: byAgent.p50, unit: 'ms' },
      { name: `recent(10, { agentId }) p99 ${at}`, value: byAgent.p99, unit: 'ms' },
      { name: `recent(10, { agentId, status }) p50 ${at}`, value: byBoth.p50, unit: 'ms' },
      { name: `recent(10, { agentId, status }) p99 ${at}`, value: byBoth.p99, unit: 'ms' },
      {
        name: 'Redis memory per million entries (stream, ids, indexes)',
        value: (((after - before) / large) * 1e6) / 2 ** 20,
        unit: 'MiB',
        note: 'used_memory before and after, of the sample entries (about 200 bytes of JSON each)',
      },
    );

    const total = quick ? 40_000 : 200_000;
    const rates: Record<number, number> = {};
    for (const writers of [1, 2, 4]) {
      progress(`${writers} writer process(es) on one Redis, ${total} entries in all`);
      const store = JSON.stringify(onRedis(`bench-writers-${writers}`));
      rates[writers] = await writerProcesses(writers, total, { BENCH_STORE: store });
    }
    rows.push({
      name: '1 writer process, post then flush (Redis)',
      value: rates[1]!,
      unit: perSecond,
    });
    for (const writers of [2, 4]) {
      rows.push({
        name: `${writers} writer processes together (Redis)`,
        value: rates[writers]!,
        unit: perSecond,
        baseline: { name: '1 writer process', value: rates[1]! },
        target: { text: '≥ 1× (more writers never mean less)', met: (r) => r >= 1 },
      });
    }
    return { title: 'Redis, beside PostgreSQL', rows };
  } finally {
    redis.disconnect();
    await db.drop();
    await server.remove();
  }
}
