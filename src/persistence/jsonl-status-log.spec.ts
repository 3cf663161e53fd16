import fc from 'fast-check';
import { appendFile, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StatusEntry } from '../entry/status-entry';
import { JsonlStatusLog } from './jsonl-status-log';
import type { ResolvedJsonlRotation } from './jsonl-rotation';

const DAY = 86_400_000;

/** Files another program keeps beside the bus's file: never read, never deleted. */
const FOREIGN: Record<string, string> = {
  'status.audit.jsonl': '{"audit":true}\n',
  'status.old.jsonl': 'not json\n',
  'status.2026-01-01.jsonl': '{"almost":"a rotated name"}\n',
  'other.jsonl': '{}\n',
};

/** What the test does to the log, in order. */
type Step =
  | { kind: 'append'; sizes: number[] }
  | { kind: 'clock'; ms: number }
  | { kind: 'restart' }
  /** The process dies mid-write: part of a line that was never acknowledged, then a restart. */
  | { kind: 'crash'; cut: number };

const step: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({
      kind: fc.constant('append' as const),
      sizes: fc.array(fc.nat(300), { minLength: 1, maxLength: 6 }),
    }),
  },
  // A clock that stands still, goes back, or jumps days ahead.
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('clock' as const),
      ms: fc.oneof(fc.constant(0), fc.integer({ min: -2 * DAY, max: 2 * DAY })),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('restart' as const) }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('crash' as const),
      cut: fc.integer({ min: 1, max: 80 }),
    }),
  },
);

const rotation: fc.Arbitrary<ResolvedJsonlRotation> = fc.record({
  // From one line a file to a few.
  maxBytes: fc.option(fc.integer({ min: 200, max: 2000 }), { nil: undefined }),
  daily: fc.boolean(),
  keepFiles: fc.option(fc.integer({ min: 1, max: 4 }), { nil: undefined }),
});

describe('JsonlStatusLog rotation, against a model', () => {
  it('reads back every acknowledged line once, in order (the newest kept), through crashes mid-write, and touches only its own files', async () => {
    await fc.assert(
      fc.asyncProperty(rotation, fc.array(step, { maxLength: 30 }), async (rotate, steps) => {
        const dir = await mkdtemp(join(tmpdir(), 'status-bus-jsonl-model-'));
        for (const [name, text] of Object.entries(FOREIGN)) await writeFile(join(dir, name), text);
        let now = Date.parse('2026-06-01T12:00:00.000Z');
        const context = { clock: () => now };
        const path = join(dir, 'status.jsonl');
        let log = new JsonlStatusLog(path, context, rotate);
        const acknowledged: string[] = [];
        const check = async () => {
          const read = (await new JsonlStatusLog(path, context, rotate).readAll()).map(
            (e) => e.action,
          );
          if (rotate.keepFiles === undefined) {
            expect(read).toEqual(acknowledged);
          } else {
            // Rotation deletes the oldest files only: what is left is the newest lines, in order.
            expect(read).toEqual(acknowledged.slice(acknowledged.length - read.length));
            if (acknowledged.length > 0) expect(read.at(-1)).toBe(acknowledged.at(-1));
          }
        };
        try {
          for (const s of steps) {
            if (s.kind === 'clock') now += s.ms;
            if (s.kind === 'crash') {
              await log.close();
              const torn = JSON.stringify({ seq: 9999, ts: new Date(now).toISOString() });
              await appendFile(path, torn.slice(0, s.cut));
              log = new JsonlStatusLog(path, context, rotate);
            }
            if (s.kind === 'restart') {
              await log.close();
              await check();
              log = new JsonlStatusLog(path, context, rotate);
            }
            if (s.kind === 'append') {
              // Distinct actions, in order: the model is the list of what was acknowledged.
              const batch = s.sizes.map((size, i) =>
                StatusEntry.fromJSON({
                  seq: acknowledged.length + i + 1,
                  ts: new Date(now).toISOString(),
                  agent_id: 'exec',
                  action: `line-${acknowledged.length + i}`,
                  status: 'info',
                  detail: 'x'.repeat(size),
                }),
              );
              await log.append(batch);
              acknowledged.push(...batch.map((e) => e.action));
            }
          }
          await log.close();
          await check();
          for (const [name, text] of Object.entries(FOREIGN)) {
            expect(await readFile(join(dir, name), 'utf8')).toBe(text);
          }
          const own = (await readdir(dir)).filter((n) => !(n in FOREIGN));
          if (rotate.keepFiles !== undefined) {
            expect(own.length).toBeLessThanOrEqual(rotate.keepFiles + 1);
          }
        } finally {
          await log.close();
        }
      }),
      { numRuns: 100 },
    );
  });
});
