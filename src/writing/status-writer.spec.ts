import { Logger } from '@nestjs/common';
import { InMemoryStatusBackend } from '../backends/in-memory-status.backend';
import { StatusEntry } from '../entry/status-entry';
import { StatusBufferFullError } from '../errors/status-bus.errors';
import { StatusWriter } from './status-writer';
import type { Queued, StatusWriterSettings } from './status-writer-settings';
import { logged } from '../../test/support/logged';
import { eventually } from '../../test/support/eventually';

/**
 * A store across the network, as the writer sees one: each append is answered when the test
 * says so (or at once), and the store numbers what it keeps.
 */
class RemoteBackend extends InMemoryStatusBackend {
  readonly sent: string[][] = [];
  /** Appends waiting for an answer, oldest first. */
  readonly waiting: { resolve: () => void; reject: (err: unknown) => void }[] = [];
  /** Answer each append at once (true) or only when the test does (false). */
  answerAtOnce = true;
  /** Errors (or values) the next appends fail with, in turn. */
  failures: unknown[] = [];
  mostInFlight = 0;

  constructor(override readonly pipelining?: number) {
    super();
  }

  override async append(entries: readonly StatusEntry[]): Promise<StatusEntry[]> {
    this.sent.push(entries.map((e) => e.action));
    if (!this.answerAtOnce) {
      await new Promise<void>((resolve, reject) => {
        this.waiting.push({ resolve, reject });
        this.mostInFlight = Math.max(this.mostInFlight, this.waiting.length);
      });
    }
    if (this.failures.length) throw this.failures.shift();
    return super.append(entries);
  }

  /** Answers the oldest append waiting (failing it with `err`, if given). */
  answer(err?: unknown): void {
    const next = this.waiting.shift()!;
    if (err === undefined) next.resolve();
    else next.reject(err);
  }
}

const SETTINGS: StatusWriterSettings = {
  maxBatchSize: 100,
  maxBufferedEntries: 1000,
  retryInitialMs: 10,
  retryMaxMs: 35,
};

function entry(action: string): StatusEntry {
  return StatusEntry.create('exec', action, 'ok');
}

function writerOver(
  backend: InMemoryStatusBackend,
  settings: Partial<StatusWriterSettings> = {},
  onStored: (stored: StatusEntry[]) => Promise<void> | void = () => undefined,
) {
  const handed: number[][] = [];
  const writer = new StatusWriter(backend, { ...SETTINGS, ...settings }, (stored) => {
    handed.push(stored.map((e) => e.seq!));
    return onStored(stored);
  });
  return { writer, handed };
}

/** Queues `actions` and collects the stored copies their places are told of. */
function enqueueAll(writer: StatusWriter, actions: string[]): StatusEntry[] {
  const stored: StatusEntry[] = [];
  for (const action of actions) {
    const queued = writer.enqueue(entry(action)) as Queued;
    queued.onStored = (e) => stored.push(e);
  }
  return stored;
}

const names = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}${i}`);

/** Answers every append until `total` have been sent and none is waiting. */
async function answerUntilSent(backend: RemoteBackend, total: number): Promise<void> {
  while (backend.sent.length < total || backend.waiting.length) {
    await eventually(() => backend.waiting.length > 0);
    backend.answer();
  }
}

/** Starts the writer and lets its first turn, with nothing to write, pass. */
async function started(writer: StatusWriter): Promise<void> {
  writer.start();
  await new Promise((r) => setImmediate(r));
}

describe('StatusWriter', () => {
  let warn: jest.SpyInstance;
  let error: jest.SpyInstance;
  let log: jest.SpyInstance;
  beforeEach(() => {
    warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    error = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    log = jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
  });
  afterEach(() => jest.restoreAllMocks());

  describe('with a store across the network', () => {
    it('holds posts until started, then writes what queued up meanwhile in one append', async () => {
      const backend = new RemoteBackend();
      const { writer } = writerOver(backend);
      const stored = enqueueAll(writer, ['a', 'b', 'c']);
      await new Promise((r) => setImmediate(r));
      expect(backend.sent).toEqual([]);
      expect(writer.buffered).toBe(3);
      writer.start();
      await writer.flushed();
      expect(backend.sent).toEqual([['a', 'b', 'c']]);
      expect(stored.map((e) => [e.action, e.seq])).toEqual([
        ['a', 1],
        ['b', 2],
        ['c', 3],
      ]);
      expect(writer.buffered).toBe(0);
      expect(writer.stats).toEqual({ accepted: 3, written: 3, failedAppends: 0, rejectedFull: 0 });
      // Nothing failed, so nothing recovered.
      expect(log).not.toHaveBeenCalled();
    });

    it('splits at maxBatchSize and keeps one append on its way without pipelining', async () => {
      const backend = new RemoteBackend();
      backend.answerAtOnce = false;
      const { writer, handed } = writerOver(backend, { maxBatchSize: 2 });
      writer.start();
      enqueueAll(writer, names('e', 5));
      await eventually(() => backend.waiting.length === 1);
      expect(writer.appending).toBe(true);
      await answerUntilSent(backend, 3);
      await writer.flushed();
      expect(writer.appending).toBe(false);
      expect(backend.sent).toEqual([['e0', 'e1'], ['e2', 'e3'], ['e4']]);
      expect(handed).toEqual([[1, 2], [3, 4], [5]]);
      expect(backend.mostInFlight).toBe(1);
    });

    it('sends up to `pipelining` appends before the first is answered, and hands them on in order', async () => {
      const backend = new RemoteBackend(3);
      backend.answerAtOnce = false;
      const { writer, handed } = writerOver(backend, { maxBatchSize: 1 });
      writer.start();
      enqueueAll(writer, names('e', 5));

      await eventually(() => backend.waiting.length === 3);
      await new Promise((r) => setTimeout(r, 20));
      expect(backend.sent).toEqual([['e0'], ['e1'], ['e2']]);
      await answerUntilSent(backend, 5);
      await writer.flushed();
      expect(handed).toEqual([[1], [2], [3], [4], [5]]);
      expect(backend.mostInFlight).toBe(3);
    });

    it('retries a failed append with a doubling backoff up to retryMaxMs, reporting it, then reports the recovery', async () => {
      const backend = new RemoteBackend();
      const down = new Error('connection refused');
      backend.failures = [down, down, down, 'not an Error'];
      const { writer } = writerOver(backend);
      writer.start();
      const stored = enqueueAll(writer, ['a', 'b']);
      await eventually(() => writer.stats.failedAppends >= 1);
      expect(writer.error).toBe(down);
      await new Promise((r) => setTimeout(r, 2));
      expect(writer.failingForMs).toBeGreaterThan(0);
      expect(writer.failingForMs).toBeLessThan(60_000);
      await writer.flushed();
      expect(writer.stats.failedAppends).toBe(4);
      expect(logged(warn)).toEqual([
        'Storing 2 entries failed (2 waiting), retrying in 10 ms: connection refused',
        'Storing 2 entries failed (2 waiting), retrying in 20 ms: connection refused',
        'Storing 2 entries failed (2 waiting), retrying in 35 ms: connection refused',
        'Storing 2 entries failed (2 waiting), retrying in 35 ms: not an Error',
      ]);
      // The retried batch was stored once, in post order, and its posts answered.
      expect(backend.sent.at(-1)).toEqual(['a', 'b']);
      expect(stored.map((e) => e.seq)).toEqual([1, 2]);
      expect(await backend.head()).toBe(2);
      expect(log).toHaveBeenCalledWith(
        'Store reachable again; 0 entries waiting are being written.',
      );
      expect(writer.error).toBeUndefined();
      expect(writer.failingForMs).toBe(0);

      // The next failure starts again from retryInitialMs.
      warn.mockClear();
      backend.failures = [down];
      enqueueAll(writer, ['c']);
      await writer.flushed();
      expect(logged(warn)).toEqual([
        'Storing 1 entries failed (1 waiting), retrying in 10 ms: connection refused',
      ]);
    });

    it('resends, in order, every append sent after one that failed', async () => {
      const backend = new RemoteBackend(3);
      backend.answerAtOnce = false;
      const { writer, handed } = writerOver(backend, { maxBatchSize: 1 });
      writer.start();
      const stored = enqueueAll(writer, ['a', 'b', 'c']);
      await eventually(() => backend.waiting.length === 3);
      backend.answer(new Error('lost'));
      // Nothing is resent while the appends sent after the failed one are still on their way
      // (the backoff is 10 ms): they may yet be stored.
      await new Promise((r) => setTimeout(r, 50));
      expect(backend.sent).toHaveLength(3);
      backend.answer(new Error('predecessor missing'));
      backend.answer(new Error('predecessor missing'));
      await answerUntilSent(backend, 6);
      await writer.flushed();
      expect(handed).toEqual([[1], [2], [3]]);
      expect(backend.sent).toEqual([['a'], ['b'], ['c'], ['a'], ['b'], ['c']]);
      expect(stored.map((e) => [e.action, e.seq])).toEqual([
        ['a', 1],
        ['b', 2],
        ['c', 3],
      ]);
      expect(writer.stats.failedAppends).toBe(1);
    });

    it('refuses posts beyond maxBufferedEntries, logging the first refusal and every thousandth', () => {
      const { writer } = writerOver(new RemoteBackend(), { maxBufferedEntries: 2 });
      enqueueAll(writer, ['a', 'b']);
      for (let i = 0; i < 2000; i++) {
        expect(() => writer.enqueue(entry('refused'))).toThrow(StatusBufferFullError);
      }
      expect(writer.stats).toEqual({
        accepted: 2,
        written: 0,
        failedAppends: 0,
        rejectedFull: 2000,
      });
      expect(logged(error)).toEqual([
        'Buffer full (2 entries waiting to be stored): 1 posts refused so far.',
        'Buffer full (2 entries waiting to be stored): 1000 posts refused so far.',
        'Buffer full (2 entries waiting to be stored): 2000 posts refused so far.',
      ]);
    });

    it('keeps every entry in order through the compaction of a long queue', async () => {
      const backend = new RemoteBackend(2);
      const { writer, handed } = writerOver(backend, {
        maxBatchSize: 100,
        maxBufferedEntries: 20_000,
      });
      writer.start();
      const stored = enqueueAll(writer, names('e', 10_000));
      await writer.flushed();
      expect(stored.map((e) => e.action)).toEqual(names('e', 10_000));
      expect(stored.map((e) => e.seq)).toEqual(Array.from({ length: 10_000 }, (_, i) => i + 1));
      expect(handed.flat()).toEqual(stored.map((e) => e.seq));
      expect(backend.sent.length).toBe(100);
    });

    it('stops after the append on its way, leaving the rest queued, and ends a backoff at once', async () => {
      const backend = new RemoteBackend();
      backend.answerAtOnce = false;
      const { writer } = writerOver(backend, { maxBatchSize: 1, retryInitialMs: 60_000 });
      writer.start();
      enqueueAll(writer, ['a', 'b', 'c']);
      await eventually(() => backend.waiting.length === 1);
      writer.stop();
      backend.answer();
      await eventually(() => writer.stats.written === 1);
      await new Promise((r) => setTimeout(r, 20));
      expect(backend.sent).toEqual([['a']]);
      expect(writer.buffered).toBe(2);
      expect(writer.appending).toBe(false);
      // Posts made after stopping wait too.
      enqueueAll(writer, ['d']);
      await new Promise((r) => setTimeout(r, 20));
      expect(backend.sent).toEqual([['a']]);

      // A writer waiting out a (minute-long) backoff stops without waiting for it.
      const failing = new RemoteBackend();
      failing.failures = [new Error('down')];
      const second = writerOver(failing, { retryInitialMs: 60_000 }).writer;
      second.start();
      enqueueAll(second, ['x']);
      await eventually(() => second.stats.failedAppends === 1);
      second.stop();
      await new Promise((r) => setTimeout(r, 20));
      expect(failing.sent).toEqual([['x']]);
      expect(second.buffered).toBe(1);
    });

    it('reports a handler that throws or rejects, and still answers the posts', async () => {
      for (const handler of [
        () => {
          throw new Error('file full');
        },
        () => Promise.reject(new Error('file full')),
      ]) {
        error.mockClear();
        const { writer } = writerOver(new RemoteBackend(), {}, handler);
        writer.start();
        const stored = enqueueAll(writer, ['a']);
        await writer.flushed();
        expect(stored.map((e) => e.seq)).toEqual([1]);
        expect(error).toHaveBeenCalledTimes(1);
        expect(logged(error)).toEqual(['Handling stored entries failed: file full']);
      }
    });

    it('answers posts only after the handler has taken their batch', async () => {
      let release!: () => void;
      const { writer } = writerOver(
        new RemoteBackend(),
        {},
        () => new Promise<void>((resolve) => (release = resolve)),
      );
      writer.start();
      const stored = enqueueAll(writer, ['a']);
      await eventually(() => release !== undefined);
      await new Promise((r) => setTimeout(r, 10));
      expect(stored).toEqual([]);
      expect(writer.stats.written).toBe(0);
      release();
      await writer.flushed();
      expect(stored.map((e) => e.seq)).toEqual([1]);
    });

    it('times appends only while someone is told, with the count of each', async () => {
      const backend = new RemoteBackend();
      const { writer } = writerOver(backend, { maxBatchSize: 2 });
      const told: [number, number][] = [];
      writer.settings.onAppended = (count, ms) => told.push([count, ms]);
      writer.start();
      enqueueAll(writer, ['a', 'b', 'c']);
      await writer.flushed();
      expect(told.map(([count]) => count)).toEqual([2, 1]);
      for (const [, ms] of told) {
        expect(ms).toBeGreaterThanOrEqual(0);
        expect(ms).toBeLessThan(60_000);
      }
      writer.settings.onAppended = undefined;
      enqueueAll(writer, ['d']);
      await writer.flushed();
      expect(told).toHaveLength(2);
    });

    it('resolves flushed(count) once the first count entries are stored', async () => {
      const backend = new RemoteBackend();
      backend.answerAtOnce = false;
      const { writer } = writerOver(backend, { maxBatchSize: 1 });
      writer.start();
      enqueueAll(writer, ['a', 'b']);
      let first = false;
      let all = false;
      void writer.flushed(1).then(() => (first = true));
      void writer.flushed().then(() => (all = true));
      await eventually(() => backend.waiting.length === 1);
      backend.answer();
      await eventually(() => first);
      expect(all).toBe(false);
      await eventually(() => backend.waiting.length === 1);
      backend.answer();
      await eventually(() => all);
    });
  });

  describe('with a store in this process', () => {
    it('stores an awaited post during the call when nothing is ahead of it', async () => {
      const { writer, handed } = writerOver(new InMemoryStatusBackend());
      await started(writer);
      const stored = writer.enqueue(entry('a'), true);
      expect(stored).toBeInstanceOf(StatusEntry);
      expect((stored as StatusEntry).seq).toBe(1);
      expect(handed).toEqual([[1]]);
      expect(writer.stats.written).toBe(1);
      // Without `now`, or before the writer starts, the post waits its turn.
      expect(writer.enqueue(entry('b'))).not.toBeInstanceOf(StatusEntry);
      const early = writerOver(new InMemoryStatusBackend()).writer;
      expect(early.enqueue(entry('c'), true)).not.toBeInstanceOf(StatusEntry);
    });

    it('queues an awaited post behind entries already waiting', async () => {
      const { writer, handed } = writerOver(new InMemoryStatusBackend());
      writer.start();
      const stored = enqueueAll(writer, ['a']);
      const second = writer.enqueue(entry('b'), true) as Queued;
      expect(second).not.toBeInstanceOf(StatusEntry);
      second.onStored = (e) => stored.push(e);
      await writer.flushed();
      expect(stored.map((e) => [e.action, e.seq])).toEqual([
        ['a', 1],
        ['b', 2],
      ]);
      expect(handed).toEqual([[1, 2]]);
    });

    it('answers an awaited post through its place when the handler must finish first', async () => {
      const finishes: (() => void)[] = [];
      const { writer } = writerOver(
        new InMemoryStatusBackend(),
        {},
        () => new Promise<void>((resolve) => finishes.push(resolve)),
      );
      await started(writer);
      const place = writer.enqueue(entry('a'), true) as Queued;
      expect(place).not.toBeInstanceOf(StatusEntry);
      const stored: StatusEntry[] = [];
      place.onStored = (e) => stored.push(e);
      const next = enqueueAll(writer, ['b']);
      await new Promise((r) => setTimeout(r, 10));
      expect(stored).toEqual([]);
      finishes[0]!();
      await eventually(() => stored.length === 1 && finishes.length === 2);
      expect(stored[0]!.seq).toBe(1);
      expect(next).toEqual([]);
      finishes[1]!();
      await writer.flushed();
      expect(next[0]!.seq).toBe(2);
    });

    it('retries what the store refused, through the place it returned', async () => {
      class Refusing extends InMemoryStatusBackend {
        refusals = 2;
        override appendNow(entries: readonly StatusEntry[]): StatusEntry[] {
          if (this.refusals-- > 0) throw new Error('refused');
          return super.appendNow(entries);
        }
        // The retry goes through the asynchronous path, which refuses in turn.
        override async append(entries: readonly StatusEntry[]): Promise<StatusEntry[]> {
          return this.appendNow(entries);
        }
      }
      const backend = new Refusing();
      const { writer } = writerOver(backend);
      await started(writer);
      const place = writer.enqueue(entry('a'), true) as Queued;
      expect(place).not.toBeInstanceOf(StatusEntry);
      const stored: StatusEntry[] = [];
      place.onStored = (e) => stored.push(e);
      const queued = enqueueAll(writer, ['b']);
      await writer.flushed();
      expect([...stored, ...queued].map((e) => [e.action, e.seq])).toEqual([
        ['a', 1],
        ['b', 2],
      ]);
      expect(writer.stats.failedAppends).toBe(2);
      expect(logged(warn)).toEqual([
        'Storing 1 entries failed (1 waiting), retrying in 10 ms: refused',
        'Storing 2 entries failed (2 waiting), retrying in 20 ms: refused',
      ]);
    });

    it('writes a long queue in batches of maxBatchSize, turn after turn', async () => {
      const { writer, handed } = writerOver(new InMemoryStatusBackend(), { maxBatchSize: 2 });
      await started(writer);
      const stored = enqueueAll(writer, names('e', 5));
      await eventually(() => stored.length === 5);
      expect(handed).toEqual([[1, 2], [3, 4], [5]]);
    });

    it('queues a post made while a stored entry is handed on, behind it', async () => {
      const places: (StatusEntry | Queued)[] = [];
      const { writer, handed } = writerOver(new InMemoryStatusBackend(), {}, (stored) => {
        if (stored[0]!.action === 'a') places.push(writer.enqueue(entry('b'), true));
      });
      await started(writer);
      const first = writer.enqueue(entry('a'), true);
      expect((first as StatusEntry).seq).toBe(1);
      // Not stored inside the hand-over of `a`: it waits its turn.
      expect(places).toHaveLength(1);
      expect(places[0]).not.toBeInstanceOf(StatusEntry);
      await writer.flushed();
      expect(handed).toEqual([[1], [2]]);
    });

    it("uses a subclass's own append when it overrides append below appendNow", async () => {
      const recorded: string[][] = [];
      class Recording extends InMemoryStatusBackend {
        override async append(entries: readonly StatusEntry[]): Promise<StatusEntry[]> {
          recorded.push(entries.map((e) => e.action));
          return super.append(entries);
        }
      }
      const { writer } = writerOver(new Recording());
      await started(writer);
      expect(writer.enqueue(entry('a'), true)).not.toBeInstanceOf(StatusEntry);
      await writer.flushed();
      expect(recorded).toEqual([['a']]);
    });
  });
});
