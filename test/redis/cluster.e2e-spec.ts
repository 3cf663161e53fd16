import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { Cluster } from 'ioredis';
import { BusApp, eventually, record, startBusApp } from '../support/bus-app';
import { freePort } from '../support/free-port';
import { RedisServer } from '../support/redis-server';

/**
 * A Redis Cluster of three primaries, processes of the test's own, made one cluster with
 * `redis-cli --cluster create`: the bus's keys share one hash slot, so its scripts run there.
 */
describe('the bus on Redis Cluster', () => {
  const servers: RedisServer[] = [];
  const apps: BusApp[] = [];
  const clients: Cluster[] = [];

  afterAll(async () => {
    await Promise.all(apps.map((a) => a.app.close()));
    for (const client of clients) client.disconnect();
    await Promise.all(servers.map((s) => s.remove()));
  });

  it('starts, posts and delivers one order across two instances', async () => {
    for (let i = 0; i < 3; i++) {
      servers.push(
        await RedisServer.start([
          ...['--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf'],
          // The cluster bus on a free port of its own (by default it is the port + 10000).
          ...['--cluster-port', String(await freePort())],
        ]),
      );
    }
    await promisify(execFile)('redis-cli', [
      '--cluster',
      'create',
      ...servers.map((s) => `127.0.0.1:${s.port}`),
      '--cluster-replicas',
      '0',
      '--cluster-yes',
    ]);
    for (const server of servers) {
      await eventually(
        async () => String(await server.command('CLUSTER', 'INFO')).includes('cluster_state:ok'),
        30_000,
      );
    }

    const start = async (node: RedisServer) => {
      const client = new Cluster([{ host: '127.0.0.1', port: node.port }], { lazyConnect: true });
      clients.push(client);
      const app = await startBusApp({
        redis: { client, prefix: 'cluster', pollIntervalMs: 60_000 },
      });
      apps.push(app);
      return app;
    };
    const a = await start(servers[0]!);
    const b = await start(servers[2]!);
    const [seenA, seenB] = [await record(a.bus), await record(b.bus)];
    const posted: string[] = [];
    for (let i = 0; i < 200; i++) {
      posted.push(a.bus.post('exec', `a${i}`, 'ok').action);
      posted.push(b.bus.post('voice', `b${i}`, 'ok').action);
    }
    await Promise.all([a.bus.flush(), b.bus.flush()]);
    await eventually(() => seenA.length === 400 && seenB.length === 400);
    expect(seenA.map((e) => e.seq)).toEqual(Array.from({ length: 400 }, (_, i) => i + 1));
    expect(seenB.map((e) => e.id)).toEqual(seenA.map((e) => e.id));
    expect([...seenA.map((e) => e.action)].sort()).toEqual([...posted].sort());
    expect(seenA.filter((e) => e.agentId === 'exec').map((e) => e.action)).toEqual(
      posted.filter((x) => x.startsWith('a')),
    );
    expect((await b.bus.recent(3, { agentId: 'exec' })).map((e) => e.action)).toEqual([
      'a197',
      'a198',
      'a199',
    ]);
  }, 60_000);
});
