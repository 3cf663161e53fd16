/**
 * A property-based fuzz of everything an HTTP client controls on the admin API: route, query
 * string, headers (authorization, content type and encoding, Last-Event-ID), transfer encoding,
 * and bodies of any shape, depth, size and byte content. Never a 500, never a crash, nothing
 * stored from a request that was refused, and the body limit held on every encoding.
 */
import { INestApplication } from '@nestjs/common';
import fc from 'fast-check';
import http from 'node:http';
import { deflateSync, gzipSync } from 'node:zlib';
import { StatusBusService } from '../../src';
import { TOKEN, startAdminApp } from '../support/admin-app';

const MAX_BODY = 4096;

interface Attempt {
  method: 'GET' | 'POST';
  path: string;
  headers: Record<string, string>;
  body: Buffer | undefined;
  /** Sent in pieces without a length (chunked), or whole with one. */
  chunked: boolean;
}

interface Answer {
  status: number;
  text: string;
}

/** Sends an attempt on a fresh connection; a stream is read until its first bytes, then cut. */
function attempt(url: string, a: Attempt): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const headers = { ...a.headers };
    if (a.body && !a.chunked) headers['Content-Length'] = String(a.body.length);
    const req = http.request(`${url}${a.path}`, { method: a.method, headers, agent: false });
    req.on('response', (res) => {
      let text = '';
      res.setEncoding('utf8');
      const done = () => resolve({ status: res.statusCode ?? 0, text });
      if ((res.headers['content-type'] ?? '').startsWith('text/event-stream')) {
        res.once('data', () => {
          req.destroy();
          done();
        });
        return;
      }
      res.on('data', (c: string) => (text += c));
      res.on('end', done);
    });
    req.on('error', reject);
    if (a.body) {
      for (let i = 0; i < a.body.length; i += 997) req.write(a.body.subarray(i, i + 997));
    }
    req.end();
  });
}

const anyText = fc.string({ unit: 'binary', maxLength: 30 });
const queryValue = fc.oneof(
  anyText,
  fc.constantFrom(
    '',
    '0',
    '-1',
    '1e3',
    '10001',
    '%ZZ',
    '%00',
    '%E0%A4%A',
    'ok',
    'failed',
    'x'.repeat(5000),
  ),
);
const query = fc
  .array(
    fc.tuple(
      fc.constantFrom('n', 'agent_id', 'status', 'room_id', 'after', '__proto__', 'n[]', ''),
      queryValue,
    ),
    { maxLength: 4 },
  )
  .map((pairs) =>
    pairs
      .map(([k, v]) => `${encodeURIComponent(k)}=${/^%/.test(v) ? v : encodeURIComponent(v)}`)
      .join('&'),
  );

/** Nesting as deep as a client likes, in an otherwise valid entry. */
const deepEntry = fc.integer({ min: 1, max: 20_000 }).map((depth) => {
  const nested = '['.repeat(depth) + ']'.repeat(depth);
  return `{"agent_id":"exec","action":"deep","status":"ok","metadata":{"d":${nested}}}`;
});
const entryLike = fc
  .record(
    {
      agent_id: fc.oneof(anyText, fc.jsonValue({ maxDepth: 1 })),
      action: fc.oneof(anyText, fc.jsonValue({ maxDepth: 1 })),
      status: fc.oneof(fc.constantFrom('ok', 'failed', 'pending', 'info', 'completed'), anyText),
      detail: fc.oneof(
        anyText,
        fc.integer({ min: 0, max: 9000 }).map((n) => 'd'.repeat(n)),
      ),
      metadata: fc.oneof(fc.jsonValue({ maxDepth: 4 }), fc.dictionary(anyText, fc.jsonValue())),
      room_id: anyText,
      extra: fc.jsonValue({ maxDepth: 1 }),
    },
    { requiredKeys: [] },
  )
  .map((o) => JSON.stringify(o));
/** Entries a well-behaved client would post, with content of every kind. */
const validEntry = fc
  .record(
    {
      agent_id: fc.constantFrom('exec', 'voice', 'system'),
      action: fc.stringMatching(/^[a-z_]{1,20}$/),
      status: fc.constantFrom('ok', 'failed', 'pending', 'info', 'completed'),
      detail: fc.string({ unit: 'grapheme', maxLength: 200 }),
      metadata: fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 3 }), {
        maxKeys: 4,
      }),
      room_id: fc.constantFrom('default', 'room-1', 'r2'),
    },
    { requiredKeys: ['agent_id', 'action', 'status'] },
  )
  .map((o) => JSON.stringify(o));
/** Valid entries around the body limit: compressed or chunked, only their JSON's size tells. */
const nearLimit = fc
  .integer({ min: MAX_BODY - 1000, max: MAX_BODY * 2 })
  .map((n) =>
    JSON.stringify({ agent_id: 'exec', action: 'big', status: 'ok', detail: 'd'.repeat(n) }),
  );
const bodyText = fc.oneof(
  { arbitrary: validEntry, weight: 8 },
  { arbitrary: nearLimit, weight: 3 },
  entryLike,
  deepEntry,
  fc.jsonValue().map((v) => JSON.stringify(v)),
  anyText,
  fc.constantFrom('', '{', '{"agent_id":', 'null', '[]', '"x"', '{"__proto__":{"agent_id":"x"}}'),
);
const body = fc.oneof(
  { arbitrary: bodyText.map((t) => Buffer.from(t)), weight: 4 },
  fc.uint8Array({ maxLength: 3000 }).map((b) => Buffer.from(b)),
);
const encoding = fc.constantFrom(
  'identity',
  'identity',
  'identity',
  'gzip',
  'deflate',
  'broken-gzip',
  'br',
);

const route = fc.oneof(
  fc.record({
    method: fc.constant('POST' as const),
    path: fc.constantFrom('/status', '/status?x=1'),
  }),
  fc.record({
    method: fc.constant('GET' as const),
    path: fc
      .tuple(
        fc.constantFrom(
          '/status/recent',
          '/status/recent/text',
          '/status/summary',
          '/status/snapshot',
          '/status/stream',
        ),
        query,
      )
      .map(([p, q]) => (q ? `${p}?${q}` : p)),
  }),
);

const requestArb: fc.Arbitrary<Attempt> = fc
  .record({
    route,
    auth: fc.constantFrom('good', 'good', 'good', 'good', 'none', 'wrong', 'basic'),
    contentType: fc.constantFrom(
      'application/json',
      'application/json',
      'application/json',
      'application/json; charset=utf-8',
      'application/json; charset=utf-16',
      'text/plain',
      'application/x-www-form-urlencoded',
      'none',
    ),
    lastEventId: fc.option(
      fc.oneof(anyText, fc.constantFrom('0', '5', '99999999999999999999', '-3')),
    ),
    body,
    encoding,
    chunked: fc.boolean(),
  })
  .map(({ route, auth, contentType, lastEventId, body, encoding, chunked }) => {
    const headers: Record<string, string> = {};
    if (auth === 'good') headers.Authorization = `Bearer ${TOKEN}`;
    if (auth === 'wrong') headers.Authorization = 'Bearer not-the-token-at-all';
    if (auth === 'basic') headers.Authorization = 'Basic dXNlcjpwYXNz';
    if (contentType !== 'none') headers['Content-Type'] = contentType;
    // Header values must be visible ASCII; a client cannot send others.
    if (lastEventId !== null) headers['Last-Event-ID'] = lastEventId.replace(/[^\x20-\x7e]/g, '?');
    let sent: Buffer | undefined = route.method === 'POST' ? body : undefined;
    if (sent && encoding !== 'identity') {
      headers['Content-Encoding'] = encoding === 'broken-gzip' ? 'gzip' : encoding;
      if (encoding === 'gzip') sent = gzipSync(sent);
      else if (encoding === 'deflate') sent = deflateSync(sent);
    }
    return { method: route.method, path: route.path, headers, body: sent, chunked };
  });

describe('the admin API under a fuzz of everything a client controls', () => {
  let app: INestApplication;
  let bus: StatusBusService;
  let url: string;

  beforeAll(async () => {
    ({ app, bus, url } = await startAdminApp(
      { token: TOKEN, maxBodyBytes: MAX_BODY, heartbeatMs: 1000 },
      { maxEntries: 100_000 },
    ));
  });
  afterAll(() => app.close());

  it('never answers 500, never stores what it refused, and holds the body limit on every encoding', async () => {
    await fc.assert(
      fc.asyncProperty(requestArb, async (a) => {
        const before = bus.stats().accepted;
        const answer = await attempt(url, a);
        expect(answer.status).toBeLessThan(500);
        expect(answer.status).not.toBe(0);
        await bus.flush();
        const stored = bus.stats().accepted - before;
        if (a.method === 'POST' && answer.status === 201) {
          expect(stored).toBe(1);
          const [entry] = await bus.recent(1);
          expect(Buffer.byteLength(JSON.stringify(entry!.toJSON()))).toBeLessThan(MAX_BODY + 200);
        } else {
          expect(stored).toBe(0);
        }
      }),
      { numRuns: Number(process.env.FUZZ_RUNS ?? 400) },
    );
    // Still serving.
    const alive = await attempt(url, {
      method: 'GET',
      path: '/status/recent',
      headers: { Authorization: `Bearer ${TOKEN}` },
      body: undefined,
      chunked: false,
    });
    expect(alive.status).toBe(200);
  }, 180_000);
});
