import { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { StatusBusService, StatusEntryJson } from '../../src';
import { eventually, startBusApp } from '../support/bus-app';
import { startAdminApp, TOKEN } from '../support/admin-app';
import { SseClient } from '../support/sse-client';

const auth = { Authorization: `Bearer ${TOKEN}` };

describe('the admin HTTP API', () => {
  let app: INestApplication;
  let bus: StatusBusService;
  let url: string;
  const server = () => app.getHttpServer() as Parameters<typeof request>[0];

  beforeEach(async () => {
    ({ app, bus, url } = await startAdminApp({ token: TOKEN, heartbeatMs: 100 }));
  });
  afterEach(async () => {
    await app.close();
  });

  describe('GET /status/recent', () => {
    it('returns wire-form entries, oldest first, filtered', async () => {
      bus.post('exec', 'search', 'ok', { detail: 'Found 7', metadata: { n: 7 } });
      bus.post('voice', 'say', 'info');
      bus.post('exec', 'click', 'failed');
      await bus.flush();
      const all = await request(server()).get('/status/recent').set(auth).expect(200);
      expect((all.body as StatusEntryJson[]).map((e) => e.action)).toEqual([
        'search',
        'say',
        'click',
      ]);
      expect(Object.keys(all.body[0] as object)).toEqual([
        'seq',
        'ts',
        'agent_id',
        'action',
        'status',
        'detail',
        'metadata',
        'room_id',
      ]);
      const filtered = await request(server())
        .get('/status/recent?n=1&agent_id=exec')
        .set(auth)
        .expect(200);
      expect((filtered.body as StatusEntryJson[]).map((e) => e.action)).toEqual(['click']);
      const byStatus = await request(server())
        .get('/status/recent?status=ok')
        .set(auth)
        .expect(200);
      expect((byStatus.body as StatusEntryJson[]).map((e) => e.action)).toEqual(['search']);
    });

    it.each([
      ['n=abc', /n must be an integer from 1 to 10000, got "abc"/],
      ['n=0', /n must be an integer from 1 to 10000/],
      ['n=100000', /n must be an integer from 1 to 10000/],
      ['n=-3', /n must be an integer from 1 to 10000, got "-3"/],
      ['status=done', /status must be one of ok, failed, pending, info, completed/],
    ])('answers %s with a 400 that says what is wrong', async (query, message) => {
      const response = await request(server()).get(`/status/recent?${query}`).set(auth).expect(400);
      expect((response.body as { message: string }).message).toMatch(message);
    });
  });

  it('GET /status/recent/text and /status/summary answer text/plain in the reference formats', async () => {
    await bus.postAsync('system', 'task_completed', 'completed', { detail: 'Done' });
    const text = await request(server()).get('/status/recent/text?n=5').set(auth).expect(200);
    expect(text.headers['content-type']).toMatch(/^text\/plain/);
    expect(text.text).toMatch(
      /^\[\d\d:\d\d:\d\d\] system: task_completed \u2192 completed \| Done$/,
    );
    const summary = await request(server()).get('/status/summary').set(auth).expect(200);
    expect(summary.headers['content-type']).toMatch(/^text\/plain/);
    expect(summary.text).toContain('   1. [*] system task_completed\n      Done');
  });

  describe('POST /status', () => {
    it('stores the entry and answers 201 with it', async () => {
      const response = await request(server())
        .post('/status')
        .set(auth)
        .send({
          agent_id: 'exec',
          action: 'search',
          status: 'ok',
          detail: 'd',
          metadata: { k: [1] },
        })
        .expect(201);
      expect(response.body).toMatchObject({
        seq: 1,
        agent_id: 'exec',
        action: 'search',
        status: 'ok',
        detail: 'd',
        metadata: { k: [1] },
      });
      expect((await bus.recent(1))[0]!.toJSON()).toEqual(response.body);
    });

    it.each([
      [
        'a missing agent_id',
        { action: 'a', status: 'ok' },
        /agent_id must be a non-empty string, got undefined/,
      ],
      [
        'an unknown status',
        { agent_id: 'e', action: 'a', status: 'done' },
        /status must be one of ok, failed, pending, info, completed/,
      ],
      [
        'an unknown field',
        { agent_id: 'e', action: 'a', status: 'ok', extra: 1 },
        /extra.{0,4} is not a field of an entry/,
      ],
      [
        'metadata that is a string',
        { agent_id: 'e', action: 'a', status: 'ok', metadata: 'x' },
        /metadata must be a plain object/,
      ],
      [
        'a detail over the bound',
        { agent_id: 'e', action: 'a', status: 'ok', detail: 'x'.repeat(20_000) },
        /detail is 20000 characters long/,
      ],
      [
        'a blank agent_id',
        { agent_id: ' ', action: 'a', status: 'ok' },
        /agent_id must be a non-empty string/,
      ],
      [
        'a NUL in action',
        { agent_id: 'e', action: 'a\u0000', status: 'ok' },
        /action contains a NUL character/,
      ],
    ])('answers %s with a 400 naming the field, storing nothing', async (_label, body, message) => {
      const response = await request(server()).post('/status').set(auth).send(body).expect(400);
      expect(JSON.stringify(response.body)).toMatch(message);
      expect(await bus.recent(10)).toEqual([]);
    });

    it('refuses a body larger than the bound with 413', async () => {
      const response = await request(server())
        .post('/status')
        .set(auth)
        .send({
          agent_id: 'e',
          action: 'a',
          status: 'ok',
          metadata: { blob: 'x'.repeat(200_000) },
        });
      expect(response.status).toBe(413);
      expect(await bus.recent(10)).toEqual([]);
    });
  });

  describe('GET /status/stream', () => {
    it('streams new entries as Server-Sent Events with id = seq, filtered, with heartbeats', async () => {
      const all = await SseClient.open(`${url}/status/stream`, auth);
      const failures = await SseClient.open(`${url}/status/stream?status=failed`, auth);
      expect(all.status).toBe(200);
      await bus.postAsync('exec', 'a', 'ok');
      await bus.postAsync('exec', 'b', 'failed');
      await eventually(() => all.entries().length === 2 && failures.entries().length === 1);
      expect(all.events.map((e) => e.id)).toEqual(['1', '2']);
      expect(all.entries<StatusEntryJson>().map((e) => e.action)).toEqual(['a', 'b']);
      expect(failures.entries<StatusEntryJson>().map((e) => e.action)).toEqual(['b']);
      await eventually(() => all.comments.includes('heartbeat'));
      all.close();
      failures.close();
    });

    it('resumes from Last-Event-ID: every missed entry first, then live ones, none twice', async () => {
      const first = await SseClient.open(`${url}/status/stream`, auth);
      await bus.postAsync('exec', 'seen', 'ok');
      await eventually(() => first.entries().length === 1);
      first.close();
      for (let i = 0; i < 5; i++) bus.post('exec', `missed${i}`, 'ok');
      await bus.flush();
      const resumed = await SseClient.open(`${url}/status/stream`, {
        ...auth,
        'Last-Event-ID': first.events[0]!.id!,
      });
      await bus.postAsync('exec', 'live', 'ok');
      await eventually(() => resumed.entries().length === 6);
      expect(resumed.entries<StatusEntryJson>().map((e) => e.action)).toEqual([
        'missed0',
        'missed1',
        'missed2',
        'missed3',
        'missed4',
        'live',
      ]);
      resumed.close();
    });

    it('rejects a bad filter or Last-Event-ID with a 400 before streaming', async () => {
      await request(server()).get('/status/stream?status=nope').set(auth).expect(400);
      await request(server())
        .get('/status/stream')
        .set({ ...auth, 'Last-Event-ID': 'abc' })
        .expect(400);
    });
  });

  it('serves the dashboard page', async () => {
    const page = await request(server()).get('/status/dashboard').set(auth).expect(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.text).toContain('<title>Status bus</title>');
  });

  it('describes itself in OpenAPI at /status/openapi-json', async () => {
    const response = await request(server()).get('/status/openapi-json').expect(200);
    const doc = response.body as {
      paths: Record<string, unknown>;
      components: { securitySchemes: object };
    };
    expect(Object.keys(doc.paths).sort()).toEqual(
      [
        '/status',
        '/status/ag-ui',
        '/status/dashboard',
        '/status/mcp',
        '/status/recent',
        '/status/recent/text',
        '/status/snapshot',
        '/status/stream',
        '/status/summary',
      ].sort(),
    );
    expect(doc.components.securitySchemes).toHaveProperty('bearer');
  });
});

describe('admin security', () => {
  const routes: [string, string][] = [
    ['get', '/status/recent'],
    ['get', '/status/recent/text'],
    ['get', '/status/summary'],
    ['get', '/status/snapshot'],
    ['post', '/status'],
    ['get', '/status/stream'],
    ['get', '/status/dashboard'],
  ];

  it('answers every admin route with 401 without a token or with a wrong one', async () => {
    const { app } = await startAdminApp();
    for (const [method, path] of routes) {
      for (const headers of [
        {},
        { Authorization: 'Bearer wrong-token-456' },
        { Authorization: TOKEN },
      ]) {
        const call =
          method === 'post'
            ? request(app.getHttpServer()).post(path)
            : request(app.getHttpServer()).get(path);
        const response = await call.set(headers).send({ agent_id: 'x', action: 'y', status: 'ok' });
        expect([method, path, response.status]).toEqual([method, path, 401]);
      }
    }
    expect(await app.get(StatusBusService).recent(10)).toEqual([]);
    await app.close();
  });

  it('refuses to start with admin options but no token, unless public is set', async () => {
    await expect(startAdminApp({})).rejects.toThrow(
      /no token is set, so anyone could read and post entries/,
    );
    const { app } = await startAdminApp({ public: true });
    await request(app.getHttpServer()).get('/status/recent').expect(200);
    await app.close();
  });

  it('can turn posting off on its own', async () => {
    const { app } = await startAdminApp({ token: TOKEN, allowPost: false });
    const response = await request(app.getHttpServer())
      .post('/status')
      .set(auth)
      .send({ agent_id: 'e', action: 'a', status: 'ok' })
      .expect(405);
    expect((response.body as { message: string }).message).toMatch(/admin.allowPost: false/);
    await request(app.getHttpServer()).get('/status/recent').set(auth).expect(200);
    await app.close();
  });

  it('mounts the routes under a configured prefix, and none without admin options', async () => {
    const custom = await startAdminApp({ token: TOKEN, path: 'ops/bus' });
    await request(custom.app.getHttpServer()).get('/ops/bus/recent').set(auth).expect(200);
    await request(custom.app.getHttpServer()).get('/status/recent').set(auth).expect(404);
    await custom.app.close();

    const plain = await startBusApp();
    await plain.app.listen(0, '127.0.0.1');
    await request(plain.app.getHttpServer()).get('/status/recent').expect(404);
    await plain.app.close();
  });

  it('sends no CORS headers by default', async () => {
    const { app } = await startAdminApp();
    const response = await request(app.getHttpServer())
      .get('/status/recent')
      .set({ ...auth, Origin: 'https://evil.example' })
      .expect(200);
    expect(response.headers['access-control-allow-origin']).toBeUndefined();
    await app.close();
  });
});
