import fc from 'fast-check';
import { StatusEntry } from '../entry/status-entry';
import { StatusLevel } from '../entry/status-level';
import { InMemoryStatusBackend } from './in-memory-status.backend';
import { StatusFilter } from './status-backend';

const agent = fc.constantFrom('exec', 'voice', 'system');
const status = fc.constantFrom<StatusLevel>('ok', 'failed', 'info', 'completed');
const room = fc.constantFrom('a', 'b', 'c');
const filter: fc.Arbitrary<StatusFilter> = fc.record(
  { agentId: agent, status, roomId: room },
  { requiredKeys: [] },
);

describe('InMemoryStatusBackend', () => {
  it('answers recent and readAfter through its indexes exactly as a scan of what it keeps would', async () => {
    const read = fc.tuple(filter, fc.integer({ min: 1, max: 50 }), fc.nat({ max: 400 }));
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 40 }),
        // Each append followed by reads: entries join the indexes at the first read that needs
        // them, and leave them when evicted whether they had joined or not.
        fc.array(
          fc.tuple(
            fc.array(fc.tuple(agent, status, room), { minLength: 1, maxLength: 30 }),
            fc.array(read, { maxLength: 3 }),
          ),
          { minLength: 1, maxLength: 12 },
        ),
        async (maxEntries, steps) => {
          const backend = new InMemoryStatusBackend(maxEntries);
          const kept: StatusEntry[] = [];
          for (const [batch, reads] of steps) {
            const stored = await backend.append(
              batch.map(([a, s, r]) => StatusEntry.create(a, 'step', s, { roomId: r })),
            );
            kept.push(...stored);
            const window = kept.slice(-maxEntries);
            for (const [f, n, after] of reads) {
              const matching = window.filter((e) => e.matches(f));
              expect(await backend.recent(n, f)).toEqual(matching.slice(-n));
              expect(await backend.readAfter(after, n, f)).toEqual(
                matching.filter((e) => e.seq! > after).slice(0, n),
              );
            }
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('stores an entry appended again only once while it is kept, whatever order its id came in', async () => {
    const ids = fc.uniqueArray(fc.uuid({ version: 7 }), { minLength: 1, maxLength: 40 });
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 30 }),
        ids,
        fc.array(fc.nat(), { maxLength: 40 }),
        async (maxEntries, uniqueIds, repeats) => {
          const backend = new InMemoryStatusBackend(maxEntries);
          const entries = uniqueIds.map(
            (id) => new StatusEntry({ ...StatusEntry.create('exec', 'step', 'ok'), id }),
          );
          const first = await backend.append(entries);
          // Entries still kept come back as stored; forgotten ones are stored anew.
          const kept = new Set(first.slice(-maxEntries).map((e) => e.id));
          for (const pick of repeats) {
            const again = entries[pick % entries.length]!;
            const before = await backend.head();
            const [stored] = await backend.append([again]);
            if (kept.has(again.id)) {
              expect(stored).toBe(first.find((e) => e.id === again.id));
              expect(await backend.head()).toBe(before);
            } else {
              expect(stored!.seq).toBe(before + 1);
              return; // the window has moved; what is kept is no longer `kept`
            }
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
