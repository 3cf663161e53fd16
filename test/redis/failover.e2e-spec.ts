import { Redis } from 'ioredis';
import { StatusBusService, StatusEntry } from '../../src';
import { BusApp, eventually, record, startBusApp } from '../support/bus-app';
import { RedisServer } from '../support/redis-server';

async function replicationInfo(server: RedisServer): Promise<string> {
  return String(await server.command('INFO', 'replication'));
}

/**
 * A primary, a replica and a Sentinel, all processes of the test's own. Two instances post
 * with acknowledgements that wait for the replica; the primary is killed with SIGKILL mid-run,
 * Sentinel promotes the replica, and the instances follow it. Then the old primary comes back
 * (empty, as a server without persistence does) and Sentinel makes it the new replica.
 */
describe('the bus on Redis, failing over to a replica (Sentinel)', () => {
  const servers: RedisServer[] = [];
  const apps: BusApp[] = [];
  const clients: Redis[] = [];

  afterAll(async () => {
    await Promise.all(apps.map((a) => a.app.close()));
    for (const client of clients) client.disconnect();
    await Promise.all(servers.map((s) => s.remove()));
  });

  it('loses nothing acknowledged, doubles no position, and delivers one order', async () => {
    const primary = await RedisServer.start();
    servers.push(primary);
    const replica = await RedisServer.start(['--replicaof', '127.0.0.1', String(primary.port)]);
    servers.push(replica);
    await eventually(async () =>
      (await replicationInfo(replica)).includes('master_link_status:up'),
    );
    const sentinel = await RedisServer.sentinel('main', primary.port);
    servers.push(sentinel);
    // Sentinel has found the replica (through the primary), so that it can promote it.
    await eventually(async () => {
      const replicas = (await sentinel.command('SENTINEL', 'REPLICAS', 'main')) as unknown[];
      return replicas.length === 1;
    });

    const start = async () => {
      const client = new Redis({
        sentinels: [{ host: '127.0.0.1', port: sentinel.port }],
        name: 'main',
        lazyConnect: true,
      });
      clients.push(client);
      const app = await startBusApp({
        // A post waits for its acknowledgement through the whole failover.
        postTimeoutMs: 120_000,
        redis: {
          client,
          prefix: 'failover',
          waitForReplicas: 1,
          replicaTimeoutMs: 300,
          pollIntervalMs: 60_000,
        },
      });
      apps.push(app);
      return app;
    };
    const a = await start();
    const b = await start();
    const [seenA, seenB] = [await record(a.bus), await record(b.bus)];

    // Four writers per instance, each posting and awaiting its acknowledgement in turn.
    const acknowledged: StatusEntry[] = [];
    const posted: Record<string, string[]> = {};
    let stop = false;
    const writer = async (bus: StatusBusService, name: string) => {
      posted[name] = [];
      for (let i = 0; !stop; i++) {
        const action = `${name}.${i}`;
        posted[name].push(action);
        acknowledged.push(await bus.postAsync(name, action, 'ok'));
      }
    };
    const writers = [0, 1, 2, 3].flatMap((w) => [writer(a.bus, `a${w}`), writer(b.bus, `b${w}`)]);
    // The writers stop with the test even when a step fails, so that none posts into a closed bus.
    try {
      await eventually(() => acknowledged.length >= 300);
      await primary.kill('SIGKILL');
      const beforeKill = acknowledged.length;
      await eventually(async () => {
        const address = (await sentinel.command(
          'SENTINEL',
          'GET-MASTER-ADDR-BY-NAME',
          'main',
        )) as string[];
        return Number(address[1]) === replica.port;
      }, 30_000);
      // The promoted replica has no replica of its own: appends wait until the old primary is
      // back. Sentinel turns the returning server into a replica only once it has seen it report
      // itself a primary for some seconds, on the INFO it asks for every ten: often more than
      // half a minute on a busy machine.
      await primary.restart();
      await eventually(
        async () => (await replicationInfo(replica)).includes('connected_slaves:1'),
        90_000,
      );
      await eventually(() => acknowledged.length >= beforeKill + 300, 30_000);
    } finally {
      stop = true;
      await Promise.allSettled(writers);
    }
    await Promise.all(writers);

    const rows = (await replica.command('XRANGE', '{failover}:log', '-', '+')) as [
      string,
      string[],
    ][];
    const stored = rows.map(([id, fields]) => {
      const entry = JSON.parse(fields[3]!) as string[];
      return { seq: Number.parseInt(id, 10), id: entry[0]!, agent: entry[2]!, action: entry[3]! };
    });
    // One gapless order, each entry once.
    expect(stored.map((r) => r.seq)).toEqual(
      Array.from({ length: stored.length }, (_, i) => i + 1),
    );
    expect(new Set(stored.map((r) => r.id)).size).toBe(stored.length);
    // Nothing acknowledged lost, at the position it was acknowledged with.
    const bySeq = new Map(stored.map((r) => [r.seq, r.id]));
    for (const e of acknowledged) expect(bySeq.get(e.seq!)).toBe(e.id);
    // Each writer's posts stored in the order it posted them.
    for (const [name, actions] of Object.entries(posted)) {
      expect(stored.filter((r) => r.agent === name).map((r) => r.action)).toEqual(actions);
    }
    // Both instances delivered exactly that order.
    await eventually(() => seenA.length === stored.length && seenB.length === stored.length);
    for (const seen of [seenA, seenB]) {
      expect(seen.map((e) => [e.seq, e.id])).toEqual(stored.map((r) => [r.seq, r.id]));
    }
  }, 240_000);
});
