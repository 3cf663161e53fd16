import { Logger } from '@nestjs/common';
import { InMemoryStatusBackend } from '../backends/in-memory-status.backend';
import { StopWatching } from '../backends/status-backend';
import { StatusSink } from '../delivery/status-sink';
import { DEFAULT_ENTRY_LIMITS } from '../entry/status-entry-limits';
import { StatusEntry } from '../entry/status-entry';
import { StatusBusClosedError } from '../errors/status-bus.errors';
import { StatusInstrumentation } from './status-instrumentation';
import { StatusJournal } from './status-journal';
import { StatusLog } from './status-log';
import { StatusLogOptions } from './status-log-options';
import { logged } from '../../test/support/logged';
import { eventually } from '../../test/support/eventually';

const OPTIONS: StatusLogOptions = {
  maxEntries: 500,
  limits: DEFAULT_ENTRY_LIMITS,
  subscriberTimeoutMs: 1000,
  subscriberMaxQueue: 10_000,
  maxBufferedEntries: 1000,
  maxBatchSize: 100,
  postTimeoutMs: 1000,
  shutdownTimeoutMs: 200,
  defaultRoomId: 'default',
  clock: undefined,
};

/** An in-memory store that says what the log asked of it, and in which order. */
class WatchedBackend extends InMemoryStatusBackend {
  readonly calls: string[] = [];
  announce: ((position?: number) => void) | undefined;
  restored: readonly StatusEntry[] | undefined;
  closeError: Error | undefined;

  override async open(): Promise<void> {
    this.calls.push('open');
  }
  override async restore(entries: readonly StatusEntry[]): Promise<void> {
    this.calls.push('restore');
    this.restored = entries;
    await super.restore(entries);
  }
  override async watch(onAppended: (position?: number) => void): Promise<StopWatching> {
    this.calls.push('watch');
    this.announce = onAppended;
    return async () => {
      this.calls.push('unwatch');
      throw new Error('listener gone');
    };
  }
  override async head(): Promise<number> {
    this.calls.push('head');
    return super.head();
  }
  override async close(): Promise<void> {
    this.calls.push('close');
    if (this.closeError) throw this.closeError;
  }
}

function entry(action: string): StatusEntry {
  return StatusEntry.create('exec', action, 'ok');
}

/** Posts `action` and resolves with its stored copy. */
function post(log: StatusLog, action: string): Promise<StatusEntry> {
  const placed = log.append('post', entry(action), true);
  if (placed instanceof StatusEntry) return Promise.resolve(placed);
  return new Promise((resolve) => (placed.onStored = resolve));
}

describe('StatusLog', () => {
  let errors: jest.SpyInstance;
  beforeEach(() => {
    errors = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
  });
  afterEach(() => jest.restoreAllMocks());

  it('opens the store once, restores the journal, watches before reading the head, then writes', async () => {
    const backend = new WatchedBackend();
    await backend.append([entry('earlier')]);
    const journaled = [entry('from the file')];
    const journal: StatusJournal = {
      readAll: async () => journaled,
      append: async () => undefined,
      close: async () => undefined,
    };
    const log = new StatusLog({ ...OPTIONS, shutdownTimeoutMs: 60_000 }, backend, journal);
    await Promise.all([log.open(), log.open()]);
    expect(backend.calls).toEqual(['open', 'restore', 'watch', 'head']);
    expect(backend.restored).toEqual(journaled);
    // Posts are stored after the head it read.
    const stored = await post(log, 'next');
    expect(stored.seq).toBe(3);
    await log.close();
  });

  it('delivers what other instances announce once delivery starts, and a sink named after itself', async () => {
    const backend = new WatchedBackend();
    const log = new StatusLog(OPTIONS, backend);
    const seen: number[] = [];
    log.subscribe((e) => void seen.push(e.seq!), {});
    const sinkSeen: number[] = [];
    const callback = (e: StatusEntry) => void sinkSeen.push(e.seq!);
    const sinks: StatusSink[] = [
      {
        name: 'broken sink',
        connect: () => Promise.reject(new Error('no emitter')),
      },
      { name: 'off sink', connect: async () => undefined },
      { name: 'status_posted', connect: async () => callback },
    ];
    for (const sink of sinks) log.addSink(sink);
    await log.startDelivery();
    expect(callback.name).toBe('status_posted');
    expect(errors).toHaveBeenCalledWith('Could not connect broken sink: no emitter');
    // Appended by another instance: read from the store on its announcement.
    await backend.append([entry('elsewhere')]);
    backend.announce!(1);
    await eventually(() => seen.length === 1 && sinkSeen.length === 1);
    expect(seen).toEqual([1]);
    expect(sinkSeen).toEqual([1]);
    await log.close();
  });

  it('connects a sink registered once delivery runs at once, from the next entry', async () => {
    const log = new StatusLog(OPTIONS, new InMemoryStatusBackend());
    await log.startDelivery();
    await post(log, 'before');
    const sinkSeen: string[] = [];
    log.addSink({
      name: 'late sink',
      connect: async () => (e: StatusEntry) => void sinkSeen.push(e.action),
    });
    await eventually(() => log.dispatcher.lags().some((l) => l.name === 'late sink'));
    await post(log, 'after');
    expect(sinkSeen).toEqual(['after']);
    await log.close();
  });

  it('answers a post before delivery starts without waiting for it, and waits after', async () => {
    const backend = new InMemoryStatusBackend();
    const log = new StatusLog(OPTIONS, backend);
    await log.open();
    let release!: () => void;
    log.subscribe(() => new Promise<void>((resolve) => (release = resolve)), {});
    const early = await post(log, 'early');
    // Not started: answered as stored, no subscriber waited for.
    expect(log.afterDelivery(early)).toBe(early);
    let flushed = false;
    const flushing = log.flush().then(() => (flushed = true));
    await log.startDelivery();
    await eventually(() => release !== undefined);
    expect(flushed).toBe(false);
    const later = await post(log, 'later');
    const answered = log.afterDelivery(later);
    expect(answered).toBeInstanceOf(Promise);
    release();
    await flushing;
    await eventually(() => release !== undefined);
    release();
    expect(await answered).toBe(later);
    // Once a subscriber is done with an entry, the entry itself is the answer.
    expect(log.afterDelivery(later)).toBe(later);
    await log.close();
  });

  it('waits for delivery asked for before it started, until it has', async () => {
    const log = new StatusLog(OPTIONS, new InMemoryStatusBackend());
    await log.open();
    log.subscribe(() => undefined, {});
    const stored = await post(log, 'a');
    // Delivery is about to start (`startDelivery` moves the log on before it connects sinks).
    let connect!: () => void;
    log.addSink({
      name: 'slow',
      connect: () => new Promise((resolve) => (connect = () => resolve(undefined))),
    });
    const starting = log.startDelivery();
    let delivered = false;
    void log.delivered(stored.seq!).then(() => (delivered = true));
    await eventually(() => connect !== undefined);
    await new Promise((r) => setTimeout(r, 10));
    expect(delivered).toBe(false);
    connect();
    await starting;
    await eventually(() => delivered);
    await log.close();
  });

  it('closes a log whose delivery never started once its posts are stored, waiting for no delivery', async () => {
    // As when the application fails to boot after the store opened: nothing will deliver.
    const backend = new InMemoryStatusBackend();
    const log = new StatusLog({ ...OPTIONS, shutdownTimeoutMs: 60_000 }, backend);
    await log.open();
    log.subscribe(() => undefined, {});
    log.append('post', entry('a'));
    await log.close();
    expect(await backend.head()).toBe(1);
    expect(errors).not.toHaveBeenCalled();
  });

  it('refuses posts and subscriptions once closing, naming the operation', async () => {
    const log = new StatusLog(
      { ...OPTIONS, shutdownTimeoutMs: 60_000 },
      new InMemoryStatusBackend(),
    );
    await log.open();
    void log.close();
    expect(() => log.append('postAsync', entry('late'))).toThrow(
      new StatusBusClosedError('postAsync'),
    );
    expect(() => log.subscribe(() => undefined, {})).toThrow(new StatusBusClosedError('subscribe'));
    expect(() => log.assertOpen('recent')).toThrow(StatusBusClosedError);
    await log.close();
  });

  it('closes within shutdownTimeoutMs when the store takes nothing, says how much is left, and releases everything', async () => {
    class Down extends WatchedBackend {
      override async append(): Promise<StatusEntry[]> {
        throw new Error('down');
      }
      override appendNow(): StatusEntry[] {
        throw new Error('down');
      }
    }
    jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const backend = new Down();
    backend.closeError = new Error('pool ended twice');
    let journalClosed = false;
    const log = new StatusLog(OPTIONS, backend, {
      readAll: async () => [],
      append: async () => undefined,
      close: async () => {
        journalClosed = true;
      },
    });
    await log.startDelivery();
    log.append('post', entry('a'));
    log.append('post', entry('b'));
    const started = Date.now();
    await log.close();
    expect(Date.now() - started).toBeGreaterThanOrEqual(OPTIONS.shutdownTimeoutMs - 5);
    expect(logged(errors)).toEqual([
      'Closing with 2 entries not yet stored: the store did not accept them within 200 ms (shutdownTimeoutMs).',
      'Releasing the watcher failed: listener gone',
      'Releasing the backend failed: pool ended twice',
    ]);
    expect(backend.calls.slice(-2)).toEqual(['unwatch', 'close']);
    expect(journalClosed).toBe(true);
    // Closing twice is closing once.
    await log.close();
    expect(backend.calls.filter((c) => c === 'close')).toHaveLength(1);
  });

  it('writes each stored batch to the journal before delivering it', async () => {
    const order: string[] = [];
    let hold: (() => void) | undefined;
    const journal: StatusJournal = {
      readAll: async () => [],
      append: (entries) => {
        order.push(`journal ${entries.map((e) => e.seq).join()}`);
        return new Promise<void>((resolve) => (hold = resolve));
      },
      close: async () => undefined,
    };
    const log = new StatusLog(OPTIONS, new InMemoryStatusBackend(), journal);
    log.subscribe((e) => void order.push(`deliver ${e.seq}`), {});
    await log.startDelivery();
    const stored = post(log, 'a');
    await eventually(() => hold !== undefined);
    await new Promise((r) => setTimeout(r, 10));
    expect(order).toEqual(['journal 1']);
    hold!();
    await stored;
    await log.flush();
    expect(order).toEqual(['journal 1', 'deliver 1']);
    await log.close();
  });

  describe('instruments', () => {
    it('notes once which kinds of instrumentation there are', () => {
      const log = new StatusLog(OPTIONS, new InMemoryStatusBackend());
      expect([log.instruments.annotates, log.instruments.tellsPosted]).toEqual([false, false]);
      log.instruments.all = [{ annotate: () => undefined }, {}];
      expect([log.instruments.annotates, log.instruments.tellsPosted]).toEqual([true, false]);
      log.instruments.all = [{}, { posted: () => undefined }];
      expect([log.instruments.annotates, log.instruments.tellsPosted]).toEqual([false, true]);
      expect(log.writer.settings.onAppended).toBeUndefined();
      expect(log.dispatcher.wrapping.wrapper).toBeUndefined();
      log.instruments.all = [{ appended: () => undefined }];
      expect(log.writer.settings.onAppended).toBeInstanceOf(Function);
      log.instruments.all = [];
      expect(log.writer.settings.onAppended).toBeUndefined();
      expect(log.instruments.all).toEqual([]);
    });

    it('tells of appends and of deliveries, local and remote, and wraps each delivery, first outermost', async () => {
      const backend = new WatchedBackend();
      const log = new StatusLog(OPTIONS, backend);
      const told: string[] = [];
      const wrapper = (name: string): StatusInstrumentation => ({
        deliver: (entry, subscriber, call) => {
          told.push(`${name} in ${subscriber} ${entry.seq}`);
          const answer = call();
          told.push(`${name} out`);
          return answer;
        },
      });
      log.instruments.all = [
        wrapper('outer'),
        {
          appended: (count, ms) => told.push(`appended ${count} ${ms >= 0}`),
          dispatched: (entries, remote) =>
            told.push(`dispatched ${entries.map((e) => e.seq).join()} ${remote}`),
        },
        wrapper('inner'),
      ];
      const answers: unknown[] = [];
      const subscriber = (e: StatusEntry) => {
        told.push(`call ${e.seq}`);
        return undefined;
      };
      Object.defineProperty(subscriber, 'name', { value: 'voice' });
      log.subscribe(subscriber, {});
      await log.startDelivery();
      await post(log, 'here');
      await log.flush();
      await backend.append([entry('elsewhere')]);
      backend.announce!(2);
      await eventually(() => told.includes('call 2'));
      await log.flush();
      expect(answers).toEqual([]);
      expect(told).toEqual([
        'appended 1 true',
        'outer in voice 1',
        'inner in voice 1',
        'call 1',
        'inner out',
        'outer out',
        'dispatched 1 false',
        'outer in voice 2',
        'inner in voice 2',
        'call 2',
        'inner out',
        'outer out',
        'dispatched 2 true',
      ]);
      await log.close();
    });

    it('tells every instrumentation even when one throws, and logs the first throw only', () => {
      const log = new StatusLog(OPTIONS, new InMemoryStatusBackend());
      const told: string[] = [];
      log.instruments.all = [
        {
          posted: () => {
            throw new Error('exporter gone');
          },
        },
        { posted: (e) => void told.push(e.action) },
      ];
      log.instruments.tell((i) => i.posted?.(entry('a')));
      log.instruments.tell((i) => i.posted?.(entry('b')));
      expect(told).toEqual(['a', 'b']);
      expect(logged(errors)).toEqual(['An instrumentation of the bus threw: exporter gone']);
    });
  });
});
