import { StatusEntry } from '../entry/status-entry';
import { StatusDispatcher } from './status-dispatcher';

const at = (seq: number) => StatusEntry.create('exec', `step ${seq}`, 'ok').withSeq(seq);

describe('StatusDispatcher', () => {
  it("reports each subscriber's lag by its name, and when any last skipped an entry", () => {
    const dispatcher = new StatusDispatcher({ timeoutMs: 10_000, maxQueue: 2 });
    let release!: () => void;
    const hold = new Promise<void>((resolve) => (release = resolve));
    dispatcher.add(function slow() {
      return hold;
    });
    dispatcher.add(() => undefined);
    expect(dispatcher.lastSkippedAt()).toBe(0);
    const before = Date.now();
    dispatcher.dispatch([1, 2, 3, 4, 5].map(at));
    // The slow one is on entry 1 (done up to 0), 2 and 3 queued, 4 and 5 skipped.
    expect(dispatcher.lags()).toEqual([
      { name: 'slow', lag: 5 },
      { name: 'anonymous', lag: 0 },
    ]);
    expect(dispatcher.lastSkippedAt()).toBeGreaterThanOrEqual(before);
    expect(dispatcher.counters()).toEqual({ errors: 0, timeouts: 0, skipped: 2 });
    release();
  });

  it('counts what precedes where delivery starts as handed out already', async () => {
    const dispatcher = new StatusDispatcher({ timeoutMs: 10_000, maxQueue: 100 });
    dispatcher.add(() => undefined);
    dispatcher.startAfter(5);
    expect(dispatcher.isSettled(5)).toBe(true);
    expect(dispatcher.isSettled(6)).toBe(false);
    await dispatcher.settled(5);
  });

  it('on close, stops every queue and releases everyone waiting', async () => {
    const dispatcher = new StatusDispatcher({ timeoutMs: 10_000, maxQueue: 100 });
    const seen: number[] = [];
    dispatcher.add((e) => {
      seen.push(e.seq!);
      return e.seq === 1 ? new Promise<void>(() => undefined) : undefined;
    });
    dispatcher.dispatch([at(1), at(2)]);
    const waiting = dispatcher.settled(2);
    dispatcher.close();
    await expect(waiting).resolves.toBeUndefined();
    dispatcher.dispatch([at(3)]);
    expect(seen).toEqual([1]);
    expect(dispatcher.lags()).toEqual([]);
  });
});
