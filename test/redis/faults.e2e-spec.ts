import { STATUS_BACKEND, StatusBackend, StatusEntry } from '../../src';
import { BusApp, BusAppOptions, eventually, record, startBusApp } from '../support/bus-app';
import { RedisServer } from '../support/redis-server';

/** The entries a server's stream holds, in its order: position, id and action. */
async function stream(server: RedisServer): Promise<{ seq: number; id: string; action: string }[]> {
  const rows = (await server.command('XRANGE', '{faults}:log', '-', '+')) as [string, string[]][];
  return rows.map(([id, fields]) => {
    const entry = JSON.parse(fields[3]!) as string[];
    return { seq: Number.parseInt(id, 10), id: entry[0]!, action: entry[3]! };
  });
}

/** Checks what every run must leave: one gapless order, each entry once, seen as stored. */
function expectOneOrder(
  stored: { seq: number; id: string; action: string }[],
  views: StatusEntry[][],
): void {
  expect(stored.map((r) => r.seq)).toEqual(Array.from({ length: stored.length }, (_, i) => i + 1));
  expect(new Set(stored.map((r) => r.id)).size).toBe(stored.length);
  for (const seen of views) {
    expect(seen.map((e) => [e.seq, e.id])).toEqual(stored.map((r) => [r.seq, r.id]));
  }
}

describe('the bus on Redis, through faults', () => {
  const apps: BusApp[] = [];
  const servers: RedisServer[] = [];

  afterEach(async () => {
    await Promise.all(apps.splice(0).map((a) => a.app.close()));
    await Promise.all(servers.splice(0).map((s) => s.remove()));
  });

  async function server(args: string[] = []): Promise<RedisServer> {
    const s = await RedisServer.start(args);
    servers.push(s);
    return s;
  }

  async function start(
    redis: BusAppOptions['redis'],
    options: BusAppOptions = {},
  ): Promise<BusApp> {
    const app = await startBusApp({
      ...options,
      redis: { prefix: 'faults', pollIntervalMs: 60_000, ...redis },
    });
    apps.push(app);
    return app;
  }

  it('keeps every post made while the server is down, and what it acknowledged survives a SIGKILL (AOF, fsync always)', async () => {
    const redis = await server(['--appendonly', 'yes', '--appendfsync', 'always']);
    const a = await start({ url: redis.url });
    const b = await start({ url: redis.url });
    const [seenA, seenB] = [await record(a.bus), await record(b.bus)];
    const acknowledged = [];
    for (let i = 0; i < 20; i++) acknowledged.push(await a.bus.postAsync('exec', `ack${i}`, 'ok'));
    await redis.kill('SIGKILL');
    const posted = Array.from({ length: 500 }, (_, i) => a.bus.post('exec', `p${i}`, 'ok').action);
    await eventually(() => a.bus.stats().failedAppends > 0);
    await redis.restart();
    await a.bus.flush();
    const stored = await stream(redis);
    expect(stored.map((r) => r.action)).toEqual([...acknowledged.map((e) => e.action), ...posted]);
    await eventually(() => seenB.length === stored.length);
    expectOneOrder(stored, [seenA, seenB]);
  });

  it('loses and doubles nothing when its connections are killed mid-run (CLIENT KILL)', async () => {
    const redis = await server();
    const a = await start({ url: redis.url }, { maxBatchSize: 20 });
    const b = await start({ url: redis.url }, { maxBatchSize: 20 });
    const [seenA, seenB] = [await record(a.bus), await record(b.bus)];
    const posted: string[] = [];
    let kills = 0;
    for (let round = 0; round < 20; round++) {
      for (let i = 0; i < 100; i++) {
        posted.push(a.bus.post('exec', `a${round}.${i}`, 'ok').action);
        posted.push(b.bus.post('voice', `b${round}.${i}`, 'ok').action);
      }
      // Every connection of the bus, appending, reading and listening, cut at once, as soon as
      // all six are back from the last cut.
      let ids: string[] = [];
      await eventually(async () => {
        const list = String(await redis.command('CLIENT', 'LIST'));
        ids = [...list.matchAll(/^id=(\d+) .*name=nest-status-bus-/gm)].map((m) => m[1]!);
        return ids.length === 6;
      });
      for (const id of ids) kills += Number(await redis.command('CLIENT', 'KILL', 'ID', id));
    }
    expect(kills).toBeGreaterThanOrEqual(20 * 6);
    await Promise.all([a.bus.flush(), b.bus.flush()]);
    const stored = await stream(redis);
    expect([...stored.map((r) => r.action)].sort()).toEqual([...posted].sort());
    for (const who of ['a', 'b']) {
      expect(stored.map((r) => r.action).filter((x) => x.startsWith(who))).toEqual(
        posted.filter((x) => x.startsWith(who)),
      );
    }
    // The listening connections came back: the last entries arrive with the poll a minute off.
    await eventually(() => seenA.length === stored.length && seenB.length === stored.length);
    expectOneOrder(stored, [seenA, seenB]);
  });

  it('catches up after its listening connection comes back, with no later message to wake it', async () => {
    const redis = await server();
    const a = await start({ url: redis.url, connectionName: 'writer-a' });
    const b = await start({ url: redis.url, connectionName: 'reader-b' });
    const seen = await record(b.bus);
    const listening = async () =>
      /name=reader-b-subscriber /.test(String(await redis.command('CLIENT', 'LIST')));
    const posted: string[] = [];
    // B's listening connection cut, and an entry stored before it is back: its wake-up is lost.
    // (Tried again in the rare case the connection came back before the entry was stored.)
    for (let attempt = 0; attempt < 10; attempt++) {
      await eventually(listening);
      const list = String(await redis.command('CLIENT', 'LIST'));
      const id = /^id=(\d+) .*name=reader-b-subscriber /m.exec(list)![1]!;
      await redis.command('CLIENT', 'KILL', 'ID', id);
      posted.push((await a.bus.postAsync('exec', `during${attempt}`, 'ok')).action);
      if (!(await listening())) break;
    }
    expect(await listening()).toBe(false);
    // The poll is a minute away: only the catch-up on reconnecting can deliver it.
    await eventually(() => seen.length === posted.length);
    expect(seen.map((e) => e.action)).toEqual(posted);
  });

  it('answers or fails every read on its way when the server goes, never leaving it waiting', async () => {
    const redis = await server();
    const { app, bus } = await start({ url: redis.url });
    await bus.postAsync('exec', 'first', 'ok');
    const backend = app.get<StatusBackend>(STATUS_BACKEND);
    for (let round = 0; round < 5; round++) {
      let settled = false;
      const read = backend.readAfter(0, 10).then(
        () => (settled = true),
        () => (settled = true),
      );
      await redis.kill('SIGKILL');
      await redis.restart();
      await eventually(() => settled);
      await read;
    }
    // And reads are answered again once the connection is back (the server kept nothing).
    await eventually(() =>
      backend.readAfter(0, 10).then(
        (rows) => rows.length === 0,
        () => false,
      ),
    );
  });

  it('stores no batch ahead of one that failed, and no part of a failed batch', async () => {
    const redis = await server();
    const { bus } = await start({ url: redis.url }, { maxBatchSize: 1 });
    await bus.postAsync('exec', 'first', 'ok');
    // A key of the bus made unusable behind its back: every append naming it fails.
    await redis.command('SET', '{faults}:a:broken', 'not a stream');
    const posted = [
      bus.post('broken', 'a', 'ok').action,
      bus.post('exec', 'b', 'ok').action,
      bus.post('exec', 'c', 'ok').action,
    ];
    await eventually(() => bus.stats().failedAppends > 0);
    // Neither the failed batch, nor the ones sent behind it, stored anything.
    expect((await stream(redis)).map((r) => r.action)).toEqual(['first']);
    await redis.command('DEL', '{faults}:a:broken');
    await bus.flush();
    expect((await stream(redis)).map((r) => r.action)).toEqual(['first', ...posted]);
  });

  it('with waitForReplicas, acknowledges and delivers only what a replica has', async () => {
    const primary = await server();
    const replica = await server(['--replicaof', '127.0.0.1', String(primary.port)]);
    await eventually(async () =>
      String(await replica.command('INFO', 'replication')).includes('master_link_status:up'),
    );
    const options = { url: primary.url, waitForReplicas: 1, replicaTimeoutMs: 200 };
    const a = await start(options);
    const b = await start(options);
    const seenB = await record(b.bus);
    await a.bus.postAsync('exec', 'one', 'ok');
    expect((await stream(replica)).map((r) => r.action)).toEqual(['one']);
    await eventually(() => seenB.length === 1);

    await replica.kill('SIGKILL');
    let answered = false;
    const two = a.bus.postAsync('exec', 'two', 'ok').then((e) => ((answered = true), e));
    // Stored on the primary, refused as unconfirmed, and so neither answered nor delivered.
    await eventually(
      async () => (await stream(primary)).length === 2 && a.bus.stats().failedAppends > 0,
    );
    expect(answered).toBe(false);
    expect(await b.bus.entriesAfter(1)).toEqual([]);
    expect(seenB).toHaveLength(1);

    await replica.restart();
    const stored = await two;
    expect(stored.seq).toBe(2);
    await eventually(() => seenB.length === 2);
    expectOneOrder(await stream(replica), [seenB]);
  });
});
