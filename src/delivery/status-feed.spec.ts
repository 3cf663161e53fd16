import { Logger } from '@nestjs/common';
import { InMemoryStatusBackend } from '../backends/in-memory-status.backend';
import { StatusEntry } from '../entry/status-entry';
import { StatusDispatcher } from './status-dispatcher';
import { StatusFeed } from './status-feed';
import { eventually } from '../../test/support/eventually';

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

describe('StatusFeed', () => {
  it("delivers this instance's batches as soon as each follows on, without reading", async () => {
    const { feed, delivered, at } = await feedOver(8, 5);
    feed.offer(at(6));
    feed.offer(at(7, 8));
    await eventually(() => delivered.length >= 3);
    expect(delivered).toEqual([6, 7, 8]);
    expect(feed.reads).toBe(0);
  });

  it('takes a position beyond the store as a wake-up, never as a jump', async () => {
    const { feed, delivered, backend } = await feedOver(3, 0);
    feed.wake(1_000_000);
    await eventually(() => delivered.length >= 3);
    expect(delivered).toEqual([1, 2, 3]);
    // The next entry stored is still next: the announced position moved nothing.
    const [fourth] = await backend.append([StatusEntry.create('exec', 'step 4', 'ok')]);
    feed.offer([fourth!]);
    await eventually(() => delivered.length >= 4);
    expect(delivered).toEqual([1, 2, 3, 4]);
    // Found wrong by the first read, the announced position costs no read afterwards.
    expect(feed.reads).toBe(1);
  });

  it('reads what lies between the positions of a batch instead of skipping it', async () => {
    // A retried append returns the entry its first attempt stored (5) and its new ones (9, 10);
    // other instances stored 6 to 8 in between.
    const { feed, delivered, at } = await feedOver(10, 4);
    feed.offer(at(5, 9, 10));
    await eventually(() => delivered.length >= 6);
    expect(delivered).toEqual([5, 6, 7, 8, 9, 10]);
  });

  it('reads from the store when a notification brings no entries', async () => {
    const { feed, delivered } = await feedOver(3, 0);
    feed.wake(3);
    await eventually(() => delivered.length >= 3);
    expect(delivered).toEqual([1, 2, 3]);
    expect(feed.reads).toBe(1);
  });
});

/** A store whose reads wait, once read, until the test lets them answer. */
class GatedBackend extends InMemoryStatusBackend {
  private gates: (() => void)[] = [];

  override async readAfter(...args: Parameters<InMemoryStatusBackend['readAfter']>) {
    const rows = await super.readAfter(...args);
    await new Promise<void>((resolve) => this.gates.push(resolve));
    return rows;
  }

  /** Lets the reads waiting so far answer. */
  release(): void {
    for (const open of this.gates.splice(0)) open();
  }

  get waiting(): number {
    return this.gates.length;
  }
}

/** A feed over `backend`, recording each hand-over to the dispatcher: positions and where from. */
function recordingFeed(backend: InMemoryStatusBackend, writer = { appending: false }) {
  const dispatcher = new StatusDispatcher({ timeoutMs: 1000, maxQueue: Infinity });
  // Someone takes entries: a feed nobody listens to reads nothing (see the tests below).
  dispatcher.add(() => undefined);
  const handed: { seqs: number[]; remote: boolean }[] = [];
  const feed = new StatusFeed(backend, dispatcher, writer, (entries, remote) =>
    handed.push({ seqs: entries.map((e) => e.seq!), remote }),
  );
  const delivered = () => handed.flatMap((h) => h.seqs);
  return { feed, handed, delivered };
}

const entries = (count: number, from = 1) =>
  Array.from({ length: count }, (_, i) => StatusEntry.create('exec', `step ${from + i}`, 'ok'));

/** Lets every pending callback and timer of a few milliseconds run. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 20));

/**
 * A feed resumed after 2, woken once, over a store of 10 entries that keeps the last 5 and
 * says its oldest is `oldest` (or the one it keeps).
 */
async function feedAcrossGap(oldest?: number) {
  class Store extends InMemoryStatusBackend {
    override async oldest(): Promise<number> {
      return oldest ?? super.oldest();
    }
  }
  const backend = new Store(5);
  await backend.append(entries(10));
  const recorded = recordingFeed(backend);
  recorded.feed.resumeAfter(2);
  recorded.feed.start();
  recorded.feed.wake();
  await settle();
  return recorded;
}

describe('StatusFeed, hand-over by hand-over', () => {
  it('hands a whole consecutive batch over at once, and ignores an empty one', async () => {
    const backend = new InMemoryStatusBackend();
    const stored = await backend.append(entries(3));
    const { feed, handed } = recordingFeed(backend);
    feed.start();
    expect(() => feed.offer([])).not.toThrow();
    feed.offer(stored);
    await settle();
    expect(handed).toEqual([{ seqs: [1, 2, 3], remote: false }]);
    expect(feed.reads).toBe(0);
  });

  it('delivers nothing once stopped', async () => {
    const backend = new InMemoryStatusBackend();
    const stored = await backend.append(entries(2));
    const { feed, delivered } = recordingFeed(backend);
    feed.start();
    feed.stop();
    feed.offer(stored);
    feed.wake();
    await settle();
    expect(delivered()).toEqual([]);
    expect(feed.reads).toBe(0);
  });

  it('delivers batches kept while a read was on its way in order of position, as they come', async () => {
    const backend = new GatedBackend();
    const { feed, handed } = recordingFeed(backend);
    feed.resumeAfter(2);
    feed.start();
    feed.wake();
    await settle();
    expect(backend.waiting).toBe(1);
    // Positions 3 to 6, not in the store (appends that rolled back the sequence), offered out of
    // order while the read waits.
    const [a, b, c, d] = entries(4).map((e, i) => e.withSeq(3 + i));
    feed.offer([c!, d!]);
    feed.offer([a!, b!]);
    backend.release();
    await settle();
    expect(handed).toEqual([
      { seqs: [3, 4], remote: false },
      { seqs: [5, 6], remote: false },
    ]);
  });

  it('runs one read at a time, however many wake-ups come meanwhile', async () => {
    const backend = new GatedBackend();
    await backend.append(entries(3));
    const { feed, delivered } = recordingFeed(backend);
    feed.start();
    feed.wake(3);
    await settle();
    feed.wake(3);
    feed.wake();
    await settle();
    expect(backend.waiting).toBe(1);
    backend.release();
    await settle();
    backend.release();
    await settle();
    expect(delivered()).toEqual([1, 2, 3]);
  });

  it('reads nothing for a wake-up whose position its own batches reach', async () => {
    const backend = new InMemoryStatusBackend();
    const stored = await backend.append(entries(3));
    const { feed, handed } = recordingFeed(backend);
    feed.start();
    await settle();
    feed.wake(3);
    feed.offer(stored.slice(0, 1));
    feed.offer(stored.slice(1));
    await settle();
    expect(handed.every((h) => !h.remote)).toBe(true);
    expect(feed.reads).toBe(0);
  });

  it('waits for its own append rather than reading it back', async () => {
    const backend = new InMemoryStatusBackend();
    const stored = await backend.append(entries(2));
    const writer = { appending: true };
    const { feed, handed } = recordingFeed(backend, writer);
    feed.start();
    feed.wake(2);
    await settle();
    expect(feed.reads).toBe(0);
    writer.appending = false;
    feed.offer(stored);
    await settle();
    expect(handed).toEqual([{ seqs: [1, 2], remote: false }]);
    expect(feed.reads).toBe(0);
  });

  it('reads once for a wake-up without a position, and no more', async () => {
    const backend = new InMemoryStatusBackend();
    await backend.append(entries(2));
    const { feed, delivered } = recordingFeed(backend);
    feed.start();
    feed.wake();
    await settle();
    await settle();
    expect(delivered()).toEqual([1, 2]);
    expect(feed.reads).toBe(1);
    expect(feed.failingForMs).toBe(0);
    // Answered: a later wake-up that its own batch covers costs no read.
    const [third] = await backend.append(entries(1, 3));
    feed.wake(3);
    feed.offer([third!]);
    await settle();
    expect(delivered()).toEqual([1, 2, 3]);
    expect(feed.reads).toBe(1);
  });

  it('reads page after page until it has everything a wake-up announced', async () => {
    const backend = new InMemoryStatusBackend(5000);
    for (let i = 0; i < 5; i++) await backend.append(entries(500, i * 500 + 1));
    const { feed, delivered } = recordingFeed(backend);
    feed.start();
    feed.wake(2500);
    for (let i = 0; i < 50 && delivered().length < 2500; i++) await settle();
    expect(delivered()).toEqual(Array.from({ length: 2500 }, (_, i) => i + 1));
    expect(feed.reads).toBe(3);
  });

  it('counts and names entries removed before it delivered them, and not positions merely skipped', async () => {
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    try {
      // The store keeps the last 5 of 10: the oldest it keeps is 6.
      const removed = await feedAcrossGap();
      expect(removed.delivered()).toEqual([6, 7, 8, 9, 10]);
      expect(removed.feed.behindHorizon).toBe(1);
      expect(warn).toHaveBeenCalledWith(
        'This instance fell behind the oldest entry the store keeps: entries after seq=2 up to ' +
          'seq=5 were removed before it delivered them; its subscribers go on from seq=6.',
      );
      // The same gap in a store that says it keeps everything from 1, or from the very next
      // position: positions 3 to 5 were taken by appends that rolled back, nothing was removed.
      for (const oldest of [1, 3]) {
        const skipped = await feedAcrossGap(oldest);
        expect(skipped.delivered()).toEqual([6, 7, 8, 9, 10]);
        expect(skipped.feed.behindHorizon).toBe(0);
      }
    } finally {
      warn.mockRestore();
    }
  });

  it('keeps a position announced while a read was on its way, and reads for it', async () => {
    const backend = new GatedBackend();
    await backend.append(entries(3));
    const { feed, delivered } = recordingFeed(backend);
    feed.start();
    feed.wake(3);
    await settle();
    // The read has taken 1 to 3; entry 4 is stored and announced before it answers.
    await backend.append(entries(1, 4));
    feed.wake(4);
    backend.release();
    await settle();
    backend.release();
    await settle();
    expect(delivered()).toEqual([1, 2, 3, 4]);
  });

  it('forgets a forged position once a read shows it wrong, so later wake-ups cost no read', async () => {
    const backend = new InMemoryStatusBackend();
    const stored = await backend.append(entries(5));
    const { feed } = recordingFeed(backend);
    feed.resumeAfter(3);
    feed.start();
    feed.wake(1_000_000);
    await settle();
    expect(feed.reads).toBe(1);
    feed.wake(5);
    // Already read: 4 and 5 came with the read; nothing new is announced.
    feed.offer(stored.slice(4));
    await settle();
    expect(feed.reads).toBe(1);
    // A new entry of this instance's, announced and offered: delivered as offered, no read
    // (a forged position still remembered would send the feed to the store for it).
    const sixth = await backend.append(entries(1, 6));
    feed.wake(6);
    feed.offer(sixth);
    await settle();
    expect(feed.reads).toBe(1);
  });

  it('asks the store for its oldest position only when a read skipped positions', async () => {
    class Counting extends InMemoryStatusBackend {
      oldestAsked = 0;
      override async oldest(): Promise<number> {
        this.oldestAsked += 1;
        return super.oldest();
      }
    }
    const backend = new Counting();
    await backend.append(entries(3));
    const { feed, delivered } = recordingFeed(backend);
    feed.resumeAfter(1);
    feed.start();
    feed.wake();
    await settle();
    expect(delivered()).toEqual([2, 3]);
    expect(backend.oldestAsked).toBe(0);
  });

  it('delivers its own batch when the store has nothing before it (positions rolled back)', async () => {
    // A store that answers no read: what lies between is positions appends rolled back.
    class ReadsNothing extends InMemoryStatusBackend {
      override async readAfter(): Promise<StatusEntry[]> {
        return [];
      }
    }
    const backend = new ReadsNothing();
    const stored = await backend.append(entries(5));
    const { feed, handed } = recordingFeed(backend);
    feed.resumeAfter(2);
    feed.start();
    feed.offer(stored.slice(4));
    await settle();
    expect(handed).toEqual([{ seqs: [5], remote: false }]);
    expect(feed.reads).toBe(1);
  });

  it('retries reads that fail, saying how long they have failed, and delivers once the store answers', async () => {
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    class Failing extends InMemoryStatusBackend {
      failures = 2;
      override async readAfter(...args: Parameters<InMemoryStatusBackend['readAfter']>) {
        if (this.failures-- > 0) throw new Error('connection refused');
        return super.readAfter(...args);
      }
    }
    try {
      const backend = new Failing();
      await backend.append(entries(2));
      const { feed, delivered } = recordingFeed(backend);
      feed.start();
      expect(feed.failingForMs).toBe(0);
      feed.wake();
      await settle();
      expect(delivered()).toEqual([]);
      expect(feed.failingForMs).toBeGreaterThan(0);
      // The second failure, half a second later, counts from the first.
      for (let i = 0; i < 100 && backend.failures > 0; i++) await settle();
      await settle();
      expect(feed.failingForMs).toBeGreaterThanOrEqual(450);
      expect(feed.failingForMs).toBeLessThan(60_000);
      expect(warn).toHaveBeenCalledWith(
        'Catching up from seq=0 failed, retrying: connection refused',
      );
      for (let i = 0; i < 100 && delivered().length < 2; i++) await settle();
      expect(delivered()).toEqual([1, 2]);
      expect(feed.failingForMs).toBe(0);
    } finally {
      warn.mockRestore();
    }
  });
});

describe('StatusFeed while nobody takes entries', () => {
  /** A started feed over entries 1..`count` with no subscriber, counting reads and head queries. */
  async function idleFeed(count: number) {
    const backend = new InMemoryStatusBackend();
    const stored = await backend.append(
      Array.from({ length: count }, (_, i) => StatusEntry.create('exec', `step ${i + 1}`, 'ok')),
    );
    const heads = jest.spyOn(backend, 'head');
    const reads = jest.spyOn(backend, 'readAfter');
    const dispatcher = new StatusDispatcher({ timeoutMs: 1000, maxQueue: Infinity });
    const feed = new StatusFeed(backend, dispatcher);
    feed.resumeAfter(0);
    feed.start();
    return { feed, dispatcher, backend, stored, heads, reads };
  }

  it('reads no entry: passes over its own batches, and asks the head at most once a second', async () => {
    const { feed, dispatcher, stored, heads, reads } = await idleFeed(8);
    await new Promise((resolve) => setImmediate(resolve));
    feed.offer(stored.slice(2, 4));
    expect(dispatcher.position).toBe(4);
    // Another instance announces 8: its own append just showed the head, so nothing is asked
    // for a second; then the head, once, however many announced.
    feed.wake(6);
    feed.wake(8);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(heads).not.toHaveBeenCalled();
    await eventually(() => dispatcher.position === 8, 3000);
    expect(heads).toHaveBeenCalledTimes(1);
    expect(reads).not.toHaveBeenCalled();
    expect(feed.reads).toBe(0);
  });

  it('learns from the head, not from announcements, and never within a second of the last', async () => {
    const { feed, dispatcher, heads, reads, backend } = await idleFeed(3);
    feed.wake(1_000_000);
    await eventually(() => heads.mock.calls.length === 1);
    await eventually(() => dispatcher.position === 3);
    // A forged position moved nothing past what the store holds.
    const [fourth] = await backend.append([StatusEntry.create('exec', 'step 4', 'ok')]);
    feed.wake(4);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(heads).toHaveBeenCalledTimes(1);
    expect(dispatcher.position).toBe(3);
    // A subscriber who joins is owed what was announced: the feed reads it.
    const delivered: number[] = [];
    dispatcher.add((e) => void delivered.push(e.seq!));
    await eventually(() => delivered.length === 1);
    expect(delivered).toEqual([fourth!.seq]);
    expect(reads).toHaveBeenCalledTimes(1);
  });

  it('learns the head a second after announcements it passed over, so a late subscriber starts near now', async () => {
    const { feed, dispatcher, heads } = await idleFeed(5);
    feed.wake(2);
    await eventually(() => dispatcher.position === 5);
    feed.wake(7);
    expect(heads).toHaveBeenCalledTimes(1);
    await eventually(() => heads.mock.calls.length === 2, 3000);
    expect(dispatcher.position).toBe(5);
  });
});
