import { Controller, Get, INestApplication, Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { HealthCheck, HealthCheckService, TerminusModule } from '@nestjs/terminus';
import { Client } from 'pg';
import { StatusBusModule, StatusBusService } from '../../src';
import { SKIPPING_WINDOW_MS } from '../../src/log/status-health';
import { StatusBusHealthIndicator } from '../../src/health';
import { eventually, startBusApp } from '../support/bus-app';
import { RestartablePostgres } from '../support/postgres-server';

@Controller('health')
class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly bus: StatusBusHealthIndicator,
  ) {}

  @Get()
  @HealthCheck()
  check() {
    return this.health.check([() => this.bus.isHealthy()]);
  }
}

/** The bus's health through @nestjs/terminus, while its database misbehaves. */
describe('StatusBusHealthIndicator', () => {
  let server: RestartablePostgres;
  let app: INestApplication;
  let url: string;

  beforeAll(async () => {
    server = await RestartablePostgres.create();
    @Module({
      imports: [
        TerminusModule,
        StatusBusModule.forRoot({
          postgres: { url: server.url, migrationsRun: true, pollIntervalMs: 200 },
          postTimeoutMs: 500,
          maxBufferedEntries: 40,
        }),
      ],
      controllers: [HealthController],
      providers: [StatusBusHealthIndicator],
    })
    class HealthApp {}
    const moduleRef = await Test.createTestingModule({ imports: [HealthApp] }).compile();
    app = moduleRef.createNestApplication({ logger: false });
    await app.listen(0, '127.0.0.1');
    url = `${await app.getUrl()}/health`;
  }, 60_000);
  afterAll(async () => {
    await app.close();
    await server.stop();
  });

  const check = async () => {
    const response = await fetch(url);
    const body = (await response.json()) as {
      details: { status_bus: { status: string; state: string; problems: string[] } };
    };
    return { httpStatus: response.status, ...body.details.status_bus };
  };

  it('is up, degraded while the listening connection is down, down when the store refuses appends', async () => {
    const bus = app.get(StatusBusService);
    expect(await check()).toMatchObject({ httpStatus: 200, state: 'up', problems: [] });

    // The listening connection is cut and cannot come back: the poll covers.
    // From another database: a session cannot refuse connections to its own.
    const busUrl = new URL(server.url);
    const adminUrl = new URL(server.url);
    adminUrl.pathname = '/template1';
    const admin = new Client({ connectionString: adminUrl.href });
    await admin.connect();
    const database = admin.escapeIdentifier(decodeURIComponent(busUrl.pathname.slice(1)));
    await admin.query(`ALTER DATABASE ${database} WITH ALLOW_CONNECTIONS false`);
    const { rowCount } = await admin.query(
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
        WHERE application_name = 'nest-status-bus-listener' AND datname = $1`,
      [decodeURIComponent(busUrl.pathname.slice(1))],
    );
    expect(rowCount).toBe(1);
    await eventually(async () => (await check()).state === 'degraded');
    expect(await check()).toMatchObject({
      httpStatus: 200,
      problems: ['the listening connection is down; the poll covers it'],
    });
    await admin.query(`ALTER DATABASE ${database} WITH ALLOW_CONNECTIONS true`);
    await admin.end();
    await eventually(async () => (await check()).state === 'up', 15_000);

    // The database stops: posts wait in the buffer; past postTimeoutMs the bus is down.
    await server.stop();
    for (let i = 0; i < 25; i++) bus.post('exec', `while down ${i}`, 'info');
    // Down once appends have failed for postTimeoutMs (reads that fail as long, the poll's,
    // may say so first: both are reasons to be down).
    const refused = (problems: string[]) =>
      problems.some((p) => /store has refused appends for \d+ ms/.test(p));
    await eventually(async () => refused((await check()).problems), 15_000);
    const down = await check();
    expect(down.state).toBe('down');
    expect(down.httpStatus).toBe(503);
    expect(down.problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/store has refused appends for \d+ ms/),
        'the buffer is over half full (25 of 40)',
      ]),
    );
    await server.start();
    await bus.flush();
    await eventually(async () => (await check()).state === 'up', 15_000);

    // The database stops while nobody posts: the poll's reads fail, and health says so.
    await server.stop();
    await eventually(async () => (await check()).state === 'down', 15_000);
    const unread = await check();
    expect(unread.httpStatus).toBe(503);
    expect(unread.problems).toEqual(
      expect.arrayContaining([expect.stringMatching(/store has not answered reads for \d+ ms/)]),
    );
    expect(unread.problems.join('; ')).not.toMatch(/poll covers it/);
    await server.start();
    await eventually(async () => (await check()).state === 'up', 15_000);
  }, 120_000);
});

describe('StatusBusService.health()', () => {
  it('is degraded while a subscriber skips entries, and up again a minute after the last skip', async () => {
    const { app, bus } = await startBusApp({
      subscriberMaxQueue: 2,
      subscriberTimeoutMs: 60_000,
      shutdownTimeoutMs: 200,
    });
    try {
      expect(bus.health()).toMatchObject({ state: 'up', problems: [] });
      // A subscriber that never finishes its first entry: the ones after the queue's 2 are skipped.
      await bus.subscribe(() => new Promise<void>(() => undefined));
      for (let i = 0; i < 10; i++) bus.post('exec', `step ${i}`, 'info');
      await eventually(() => bus.stats().subscriberSkipped > 0);
      expect(bus.health()).toMatchObject({
        state: 'degraded',
        problems: ['a subscriber is skipping entries'],
        subscribersSkipping: true,
      });
      const now = Date.now();
      const clock = jest.spyOn(Date, 'now').mockReturnValue(now + SKIPPING_WINDOW_MS + 1);
      expect(bus.health().state).toBe('up');
      clock.mockRestore();
    } finally {
      await app.close();
    }
  });
});
