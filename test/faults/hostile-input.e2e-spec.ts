import fc from 'fast-check';
import request from 'supertest';
import { INestApplication } from '@nestjs/common';
import { InvalidStatusEntryError, STATUS_LEVELS, StatusBusService } from '../../src';
import { startAdminApp, TOKEN } from '../support/admin-app';
import { createTestDatabase, TestDatabase } from '../support/test-database';

/** Any UTF-16 code unit: NULs, lone surrogates, control and SQL or shell metacharacters included. */
const codeUnit = fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c));
const nasty = fc.constantFrom(
  '',
  ' ',
  '\u0000',
  '\ud800',
  'x\udfffy',
  "'; DROP TABLE status_bus_entries; --",
  '$(rm -rf /) `id` && echo $HOME',
  '<script>alert(1)</script>',
  '__proto__',
  'constructor',
  '🎉 émoji ü',
  'x'.repeat(300),
);
const text = fc.oneof(
  fc.string({ unit: codeUnit, maxLength: 40 }),
  nasty,
  fc.string({ maxLength: 20 }),
);
const hugeText = fc.integer({ min: 16_000, max: 70_000 }).map((n) => 'y'.repeat(n));
const protoKeys = fc
  .dictionary(
    fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', 'a'),
    fc.jsonValue({ maxDepth: 2 }),
  )
  .map((o) => JSON.parse(JSON.stringify(o)) as Record<string, unknown>);
const circular = fc.constant(null).map(() => {
  const o: Record<string, unknown> = { a: 1 };
  o.self = o;
  return o;
});
const deep = fc.integer({ min: 30, max: 40 }).map((n) => {
  let o: Record<string, unknown> = {};
  for (let i = 0; i < n; i++) o = { o };
  return o;
});
const metadata = fc.oneof(
  fc.constant(undefined),
  fc.constant(null),
  fc.dictionary(text, fc.jsonValue({ maxDepth: 3 }), { maxKeys: 5 }),
  protoKeys,
  circular,
  deep,
  fc.anything({ maxDepth: 2 }),
  fc.record({ big: fc.bigInt() }),
  fc.record({ f: fc.func(fc.integer()) }),
  fc.record({ n: fc.constantFrom(NaN, Infinity, -0, 1e308, 5e-324, -1.5) }),
  fc.record({ huge: hugeText }),
);
const status = fc.oneof(fc.constantFrom(...STATUS_LEVELS), text, fc.anything({ maxDepth: 1 }));
const name = fc.oneof(text, fc.anything({ maxDepth: 1 }));
const detail = fc.oneof(fc.constant(undefined), text, hugeText, fc.anything({ maxDepth: 1 }));

/**
 * What must be accepted, written from the README's rules and nothing of the bus's code: the
 * fields each post must be refused for, empty when it must be stored.
 */
function problems(agentId: unknown, action: unknown, level: unknown, det: unknown, meta: unknown) {
  const storable = (s: string) => !s.includes('\u0000') && s.isWellFormed();
  const nameOk = (v: unknown) =>
    typeof v === 'string' && v.trim() !== '' && v.length <= 200 && storable(v);
  const found: string[] = [];
  if (!nameOk(agentId)) found.push('agent_id');
  if (!nameOk(action) || (action as string).startsWith('a2a.')) found.push('action');
  if (!(STATUS_LEVELS as readonly unknown[]).includes(level)) found.push('status');
  if (det !== undefined && det !== null) {
    if (typeof det !== 'string' || det.length > 16_384 || !storable(det)) found.push('detail');
  }
  if (meta !== undefined && meta !== null && !jsonOk(meta)) found.push('metadata');
  return found;
}

/** Plain JSON, kept the same by a round trip, within 65,536 characters and 32 levels. */
function jsonOk(meta: unknown): boolean {
  if (typeof meta !== 'object' || Array.isArray(meta)) return false;
  const plain = (v: unknown, depth: number, seen: object[]): boolean => {
    if (v === null || typeof v === 'boolean' || typeof v === 'string') {
      return typeof v !== 'string' || storable(v);
    }
    if (typeof v === 'number') return Number.isFinite(v);
    if (typeof v !== 'object' || seen.includes(v) || depth >= 32) return false;
    const proto: unknown = Object.getPrototypeOf(v);
    if (!Array.isArray(v) && proto !== Object.prototype && proto !== null) return false;
    const next = [...seen, v];
    if (Array.isArray(v)) return v.every((x) => plain(x, depth + 1, next));
    return Object.entries(v).every(
      ([k, x]) => storable(k) && !k.startsWith('status_bus_') && plain(x, depth + 1, next),
    );
  };
  return plain(meta, 0, []) && JSON.stringify(meta).length <= 65_536;
}

function storable(s: string): boolean {
  return !s.includes('\u0000') && s.isWellFormed();
}

describe('hostile input', () => {
  let db: TestDatabase;
  let app: INestApplication;
  let bus: StatusBusService;

  beforeAll(async () => {
    db = await createTestDatabase('hostile');
    ({ app, bus } = await startAdminApp(
      { token: TOKEN },
      { postgres: { url: db.url, migrationsRun: true } },
    ));
  });
  afterAll(async () => {
    await app.close();
    await db.drop();
  });

  const count = async () =>
    (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM status_bus_entries'))[0]!.n;

  it('postAsync stores exactly what the rules accept and refuses the rest, naming a field the rules fault', async () => {
    let accepted = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.tuple(name, name, status, detail, metadata),
          // Ordinary posts too, so that acceptance is tried as hard as refusal.
          // Valid but for what cannot be stored (a NUL, an unpaired surrogate) in the detail or
          // the metadata: the rules that keep an accepted entry storable, tried every time.
          fc.tuple(
            fc.constantFrom('exec'),
            fc.constantFrom('step'),
            fc.constantFrom(...STATUS_LEVELS),
            fc.constantFrom('\u0000', 'a\u0000b', '\ud800', 'x\udfffy', 'fine'),
            fc.option(
              fc.dictionary(
                fc.constantFrom('k', 'a\u0000', '\udc00'),
                fc.constantFrom('v', '\u0000', 'x\ud800'),
                { maxKeys: 2 },
              ),
              { nil: undefined },
            ),
          ),
          fc.tuple(
            fc.string({ minLength: 1, maxLength: 30 }),
            fc.string({ minLength: 1, maxLength: 30 }),
            fc.constantFrom(...STATUS_LEVELS),
            fc.option(fc.string({ maxLength: 50 }), { nil: undefined }),
            fc.option(fc.dictionary(fc.string(), fc.jsonValue({ maxDepth: 3 }), { maxKeys: 5 }), {
              nil: undefined,
            }),
          ),
        ),
        async ([agentId, action, level, det, meta]) => {
          const before = await count();
          const refusedFor = problems(agentId, action, level, det, meta);
          let stored;
          try {
            stored = await bus.postAsync(agentId as string, action as string, level as never, {
              detail: det as string,
              metadata: meta as Record<string, unknown>,
            });
          } catch (err) {
            expect(err).toBeInstanceOf(InvalidStatusEntryError);
            // Refused for a reason the rules give, naming that field (or a part of metadata).
            const field = (err as InvalidStatusEntryError).field.replace(/[.[ ].*$/, '');
            expect(refusedFor).toContain(field);
            expect((err as Error).message).toMatch(
              new RegExp(`^Invalid status entry: ${field}\\b`),
            );
            expect(await count()).toBe(before);
            return;
          }
          // Stored: the rules must not have refused it.
          expect(refusedFor).toEqual([]);
          accepted += 1;
          expect(await count()).toBe(before + 1);
          const [read] = await bus.recent(1);
          expect(read!.toJSON()).toEqual(stored.toJSON());
          expect(read!.agentId).toBe(agentId);
          expect(read!.action).toBe(action);
          expect(read!.detail).toBe(det ?? '');
          expect(read!.metadata).toEqual(JSON.parse(JSON.stringify(meta ?? {})));
        },
      ),
      { numRuns: 300 },
    );
    // The inputs the rules accept are a fair share of what was tried, and each was stored.
    expect(accepted).toBeGreaterThan(60);
  }, 120_000);

  it('POST /status answers 201 or a 4xx that names the problem, never a 500, for any body', async () => {
    const server = app.getHttpServer() as Parameters<typeof request>[0];
    const body = fc.oneof(
      fc.record({ agent_id: name, action: name, status, detail, metadata }, { requiredKeys: [] }),
      fc.anything({ maxDepth: 3 }),
      fc.jsonValue(),
    );
    await fc.assert(
      fc.asyncProperty(body, async (payload) => {
        const before = await count();
        let serialised: string | undefined;
        try {
          serialised = JSON.stringify(payload);
        } catch {
          serialised = undefined;
        }
        const response = await request(server)
          .post('/status')
          .set('Authorization', `Bearer ${TOKEN}`)
          .set('Content-Type', 'application/json')
          .send(serialised ?? '{"broken": ');
        expect([201, 400, 413]).toContain(response.status);
        if (response.status === 201) {
          expect(await count()).toBe(before + 1);
        } else {
          expect(JSON.stringify(response.body)).toMatch(/message/);
          expect(await count()).toBe(before);
        }
      }),
      { numRuns: 300 },
    );
  }, 120_000);

  it('GET /status/recent answers 200 or a 400 for any query, never a 500', async () => {
    const server = app.getHttpServer() as Parameters<typeof request>[0];
    // A NUL can travel in a URL (a lone surrogate cannot: clients encode it as U+FFFD).
    const expected: Record<string, [number, number]> = {
      agent_id: [400, 200],
      room_id: [400, 200],
      status: [400, 400],
      n: [400, 400],
    };
    for (const [key, [nul, sql]] of Object.entries(expected)) {
      for (const [value, status] of [
        ['\u0000', nul],
        ["'; DROP TABLE status_bus_entries; --", sql],
      ] as const) {
        const response = await request(server)
          .get('/status/recent')
          .query({ [key]: value })
          .set('Authorization', `Bearer ${TOKEN}`);
        expect([key, value, response.status]).toEqual([key, value, status]);
      }
    }
    await fc.assert(
      fc.asyncProperty(text, text, text, text, async (n, agent, level, room) => {
        const response = await request(server)
          .get('/status/recent')
          .query({ n, agent_id: agent, status: level, room_id: room })
          .set('Authorization', `Bearer ${TOKEN}`);
        expect([200, 400]).toContain(response.status);
      }),
      { numRuns: 200 },
    );
  }, 120_000);
});
