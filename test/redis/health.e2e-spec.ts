import { BusApp, eventually, startBusApp } from '../support/bus-app';
import { RedisServer } from '../support/redis-server';

/** `health()` on Redis, while a server of the test's own stops and starts again. */
describe('the bus on Redis, its health', () => {
  let server: RedisServer;
  let app: BusApp;

  beforeAll(async () => {
    server = await RedisServer.start(['--appendonly', 'yes', '--appendfsync', 'always']);
    app = await startBusApp({
      postTimeoutMs: 500,
      maxBufferedEntries: 40,
      shutdownTimeoutMs: 200,
      redis: { url: server.url, prefix: 'health', pollIntervalMs: 200 },
    });
  });
  afterAll(async () => {
    await app.app.close();
    await server.remove();
  });

  it('is up, down while the server refuses appends or reads, and up again once it is back', async () => {
    const { bus } = app;
    await bus.postAsync('exec', 'before', 'ok');
    expect(bus.health()).toMatchObject({ state: 'up', problems: [] });

    // The server stops while entries are posted: they wait in the buffer, and past
    // postTimeoutMs of refused appends the bus is down.
    await server.kill();
    for (let i = 0; i < 25; i++) bus.post('exec', `while down ${i}`, 'info');
    await eventually(() =>
      bus.health().problems.some((p) => /store has refused appends for \d+ ms/.test(p)),
    );
    const down = bus.health();
    expect(down.state).toBe('down');
    expect(down.problems).toEqual(
      expect.arrayContaining(['the buffer is over half full (25 of 40)']),
    );
    await server.restart();
    await bus.flush();
    await eventually(() => bus.health().state === 'up', 15_000);
    expect((await bus.recent(26)).map((e) => e.action)).toEqual([
      'before',
      ...Array.from({ length: 25 }, (_, i) => `while down ${i}`),
    ]);

    // The server stops while nobody posts: the poll's reads fail, and health says so.
    await server.kill();
    await eventually(() => bus.health().state === 'down', 15_000);
    expect(bus.health().problems).toEqual(
      expect.arrayContaining([expect.stringMatching(/store has not answered reads for \d+ ms/)]),
    );
    await server.restart();
    await eventually(() => bus.health().state === 'up', 15_000);
  }, 60_000);
});
