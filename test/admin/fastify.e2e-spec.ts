import { INestApplication } from '@nestjs/common';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import { StatusBusModule, StatusBusService, StatusEntryJson } from '../../src';
import { TOKEN } from '../support/admin-app';
import { eventually } from '../support/bus-app';
import { SseClient } from '../support/sse-client';

const auth = { Authorization: `Bearer ${TOKEN}` };

describe('the admin API on Fastify', () => {
  let app: INestApplication;
  let bus: StatusBusService;
  let url: string;

  beforeEach(async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [StatusBusModule.forRoot({ admin: { token: TOKEN, heartbeatMs: 100 } })],
    }).compile();
    app = moduleRef.createNestApplication<NestFastifyApplication>(new FastifyAdapter(), {
      logger: false,
    });
    await app.listen(0, '127.0.0.1');
    url = await app.getUrl();
    bus = app.get(StatusBusService);
  });
  afterEach(() => app.close());

  const post = (body: unknown) =>
    fetch(`${url}/status`, {
      method: 'POST',
      headers: { ...auth, 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    });

  it('posts, reads and streams, with the same answers as on Express', async () => {
    const stream = await SseClient.open(`${url}/status/stream`, auth);
    expect(stream.status).toBe(200);
    const created = await post({
      agent_id: 'exec',
      action: 'search',
      status: 'ok',
      detail: 'Found 7',
    });
    expect(created.status).toBe(201);
    expect(((await created.json()) as StatusEntryJson).seq).toBe(1);
    const recent = await fetch(`${url}/status/recent?n=5`, { headers: auth });
    expect(((await recent.json()) as StatusEntryJson[]).map((e) => e.action)).toEqual(['search']);
    const text = await fetch(`${url}/status/recent/text`, { headers: auth });
    expect(await text.text()).toMatch(/exec: search → ok \| Found 7$/);
    await eventually(() => stream.entries().length === 1);
    await eventually(() => stream.comments.includes('heartbeat'));
    // Resumed with Last-Event-ID, as on Express.
    await bus.postAsync('exec', 'next', 'ok');
    const resumed = await SseClient.open(`${url}/status/stream`, { ...auth, 'Last-Event-ID': '1' });
    await eventually(() => resumed.entries().length === 1);
    expect(resumed.entries<StatusEntryJson>()[0]!.action).toBe('next');
    stream.close();
    resumed.close();
  });

  it('answers bad input with a 400 naming the field, and no token with 401', async () => {
    const bad = await post({ agent_id: 'exec', action: 'a', status: 'done' });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { message: string }).message).toMatch(/status must be one of/);
    expect((await fetch(`${url}/status/recent`)).status).toBe(401);
    expect((await fetch(`${url}/status/stream?status=nope`, { headers: auth })).status).toBe(400);
    expect(await bus.recent(10)).toEqual([]);
  });

  it('serves the dashboard page, and its token form without a token', async () => {
    const page = await fetch(`${url}/status/dashboard`, { headers: auth });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    expect(page.headers.get('content-security-policy')).toMatch(/default-src 'self'/);
    expect(await page.text()).toMatch(/<html/i);
    expect((await fetch(`${url}/status/dashboard`)).status).toBe(401);
  });

  it('ends its streams when the application closes', async () => {
    const stream = await SseClient.open(`${url}/status/stream`, auth);
    await app.close();
    await eventually(() => stream.ended);
    expect(stream.named('end')).toEqual([{ reason: 'shutdown', last_seq: 0 }]);
    app = await (
      await Test.createTestingModule({ imports: [StatusBusModule.forRoot()] }).compile()
    )
      .createNestApplication()
      .init();
  });
});
