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
  return { feed, delivered, at, backend };
}

async function until(predicate: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !predicate(); i++) await new Promise((r) => setTimeout(r, 5));
}

describe('StatusFeed', () => {
  it("delivers this instance's batches as soon as each follows on, without reading", async () => {
    const { feed, delivered, at } = await feedOver(8, 5);
    feed.offer(at(6));
    feed.offer(at(7, 8));
    await until(() => delivered.length >= 3);
    expect(delivered).toEqual([6, 7, 8]);
    expect(feed.reads).toBe(0);
  });

  it('takes a position beyond the store as a wake-up, never as a jump', async () => {
    const { feed, delivered, backend } = await feedOver(3, 0);
    feed.wake(1_000_000);
    await until(() => delivered.length >= 3);
    expect(delivered).toEqual([1, 2, 3]);
    // The next entry stored is still next: the announced position moved nothing.
    const [fourth] = await backend.append([StatusEntry.create('exec', 'step 4', 'ok')]);
    feed.offer([fourth!]);
    await until(() => delivered.length >= 4);
    expect(delivered).toEqual([1, 2, 3, 4]);
    // Found wrong by the first read, the announced position costs no read afterwards.
    expect(feed.reads).toBe(1);
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
