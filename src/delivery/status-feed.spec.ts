import { InMemoryStatusBackend } from '../backends/in-memory-status.backend';
import { StatusEntry } from '../entry/status-entry';
import { StatusDispatcher } from './status-dispatcher';
import { StatusFeed } from './status-feed';

/** A store holding entries 1..`count`, and a started feed that has delivered up to `after`. */
async function feedOver(count: number, after: number) {
  const backend = new InMemoryStatusBackend();
  const stored = await backend.append(
    Array.from({ length: count }, (_, i) => StatusEntry.create('exec', `step ${i + 1}`, 'ok')),
  );
  const dispatcher = new StatusDispatcher({ timeoutMs: 1000, maxQueue: Infinity });
  const delivered: number[] = [];
  dispatcher.add((e) => {
    delivered.push(e.seq!);
  });
  const feed = new StatusFeed(backend, dispatcher);
  feed.resumeAfter(after);
  feed.start();
  const at = (...seqs: number[]) => seqs.map((s) => stored[s - 1]!);
  return { feed, delivered, at };
}

async function until(predicate: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !predicate(); i++) await new Promise((r) => setTimeout(r, 5));
}

describe('StatusFeed', () => {
  it('delivers batches known in any order as soon as each follows on, without reading', async () => {
    const { feed, delivered, at } = await feedOver(8, 5);
    // This instance's own append comes back before another's notification of an earlier one.
    feed.offer(at(7, 8));
    feed.wake(6, at(6));
    await until(() => delivered.length >= 3);
    expect(delivered).toEqual([6, 7, 8]);
    expect(feed.reads).toBe(0);
  });

  it('reads what lies between the positions of a batch instead of skipping it', async () => {
    // A retried append returns the entry its first attempt stored (5) and its new ones (9, 10);
    // other instances stored 6 to 8 in between.
    const { feed, delivered, at } = await feedOver(10, 4);
    feed.offer(at(5, 9, 10));
    await until(() => delivered.length >= 6);
    expect(delivered).toEqual([5, 6, 7, 8, 9, 10]);
  });

  it('reads from the store when a notification brings no entries', async () => {
    const { feed, delivered } = await feedOver(3, 0);
    feed.wake(3);
    await until(() => delivered.length >= 3);
    expect(delivered).toEqual([1, 2, 3]);
    expect(feed.reads).toBe(1);
  });
});
