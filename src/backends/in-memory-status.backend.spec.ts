import fc from 'fast-check';
import { StatusEntry } from '../entry/status-entry';
import { StatusLevel } from '../entry/status-level';
import { InMemoryStatusBackend } from './in-memory-status.backend';
import { matchesFilter, StatusFilter } from './status-backend';

const agent = fc.constantFrom('exec', 'voice', 'system');
const status = fc.constantFrom<StatusLevel>('ok', 'failed', 'info', 'completed');
const room = fc.constantFrom('a', 'b', 'c');
const filter: fc.Arbitrary<StatusFilter> = fc.record(
  { agentId: agent, status, roomId: room },
  { requiredKeys: [] },
);

describe('InMemoryStatusBackend', () => {
  it('answers recent and readAfter through its indexes exactly as a scan of what it keeps would', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 40 }),
        fc.array(fc.array(fc.tuple(agent, status, room), { minLength: 1, maxLength: 30 }), {
          maxLength: 12,
        }),
        fc.array(fc.tuple(filter, fc.integer({ min: 1, max: 50 }), fc.nat({ max: 400 })), {
          minLength: 1,
          maxLength: 6,
        }),
        async (maxEntries, batches, reads) => {
          const backend = new InMemoryStatusBackend(maxEntries);
          const kept: StatusEntry[] = [];
          for (const batch of batches) {
            const stored = await backend.append(
              batch.map(([a, s, r]) => StatusEntry.create(a, 'step', s, { roomId: r })),
            );
            kept.push(...stored);
          }
          const window = kept.slice(-maxEntries);
          for (const [f, n, after] of reads) {
            const matching = window.filter((e) => matchesFilter(e, f));
            expect(await backend.recent(n, f)).toEqual(matching.slice(-n));
            expect(await backend.readAfter(after, n, f)).toEqual(
              matching.filter((e) => e.seq! > after).slice(0, n),
            );
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
