import { Logger } from '@nestjs/common';
import { StatusBufferFullError, StatusStoreTimeoutError } from '../../src';
import { BusApp, eventually, startBusApp } from '../support/bus-app';
import { RestartablePostgres } from '../support/postgres-server';

describe('when the database goes down', () => {
  let server: RestartablePostgres;
  let ctx: BusApp;

  beforeAll(async () => {
    server = await RestartablePostgres.create();
    ctx = await startBusApp({
      postgres: {
        url: server.url,
        migrationsRun: true,
        pollIntervalMs: 200,
        healthCheckIntervalMs: 500,
      },
      postTimeoutMs: 500,
      maxBufferedEntries: 50,
    });
  }, 60_000);
  afterAll(async () => {
    await ctx.app.close();
    await server.stop();
  });

  it('buffers posts, times postAsync out clearly, refuses beyond the bound, then writes everything in order', async () => {
    const seen: string[] = [];
    await ctx.bus.subscribe((e) => {
      seen.push(e.action);
    });
    await ctx.bus.postAsync('exec', 'before', 'ok');
    await server.stop();

    for (let i = 0; i < 30; i++) ctx.bus.post('exec', `down${i}`, 'info');
    const timedOut = ctx.bus.postAsync('exec', 'awaited while down', 'ok');
    await expect(timedOut).rejects.toThrow(StatusStoreTimeoutError);
    await expect(timedOut).rejects.toThrow(/could not store the entry within 500 ms.*stays queued/);
    for (let i = 30; i < 49; i++) ctx.bus.post('exec', `down${i}`, 'info');
    expect(ctx.bus.stats().buffered).toBe(50);
    expect(() => ctx.bus.post('exec', 'one too many', 'info')).toThrow(StatusBufferFullError);
    expect(ctx.bus.stats().rejectedFull).toBe(1);
    expect(ctx.bus.stats().failedAppends).toBeGreaterThan(0);

    await server.start();
    await ctx.bus.flush();
    expect(ctx.bus.stats().buffered).toBe(0);
    const after = await ctx.bus.postAsync('exec', 'after', 'ok');
    const expected = [
      'before',
      ...Array.from({ length: 30 }, (_, i) => `down${i}`),
      'awaited while down',
      ...Array.from({ length: 19 }, (_, i) => `down${i + 30}`),
      'after',
    ];
    expect((await ctx.bus.recent(100)).map((e) => e.action)).toEqual(expected);
    expect(after.seq).toBe(expected.length);
    await eventually(() => seen.length === expected.length);
    expect(seen).toEqual(expected);
  });

  it('closes within shutdownTimeoutMs while the database is down, saying what it could not store', async () => {
    const errors: string[] = [];
    const own = await startBusApp({
      postgres: { url: server.url, healthCheckIntervalMs: 500 },
      shutdownTimeoutMs: 300,
    });
    await server.stop();
    try {
      own.bus.post('exec', 'never stored', 'info');
      const log = jest.spyOn(Logger.prototype, 'error').mockImplementation((m: unknown) => {
        errors.push(String(m));
      });
      await own.app.close();
      log.mockRestore();
      expect(errors.join('\n')).toMatch(
        /Closing with 1 entries not yet stored: .* within 300 ms \(shutdownTimeoutMs\)/,
      );
    } finally {
      await server.start();
    }
  });
});
