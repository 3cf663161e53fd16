import { Logger } from '@nestjs/common';
import { StatusEntry } from '../entry/status-entry';
import { StatusSubscriber } from './status-subscriber';
import { SubscriberQueue, SubscriberQueueSettings } from './subscriber-queue';

/** A logger that keeps what it was told. */
class RecordingLogger extends Logger {
  readonly errors: string[] = [];
  readonly warnings: string[] = [];
  override error(message: unknown): void {
    this.errors.push(String(message));
  }
  override warn(message: unknown): void {
    this.warnings.push(String(message));
  }
}

const at = (seq: number) => StatusEntry.create('exec', `step ${seq}`, 'ok').withSeq(seq);

function queueOf(callback: StatusSubscriber, settings: Partial<SubscriberQueueSettings> = {}) {
  const logger = new RecordingLogger();
  let progress = 0;
  const queue = new SubscriberQueue(
    callback,
    {},
    { timeoutMs: 10_000, maxQueue: 100, ...settings },
    () => (progress += 1),
    logger,
  );
  return { queue, logger, progress: () => progress };
}

/** A promise the test settles when it likes. */
function pending() {
  let resolve!: () => void;
  let reject!: (err: Error) => void;
  const promise = new Promise<void>((yes, no) => ((resolve = yes), (reject = no)));
  return { promise, resolve, reject };
}

const turn = () => new Promise((resolve) => setImmediate(resolve));

describe('SubscriberQueue', () => {
  it('logs the first ten failures and then one in a thousand, each naming the subscriber', () => {
    const { queue, logger } = queueOf(function auditTrail() {
      throw new Error('boom');
    });
    for (let seq = 1; seq <= 2000; seq++) queue.push(at(seq));
    expect(queue.counters.errors).toBe(2000);
    expect(logger.errors).toHaveLength(12);
    expect(logger.errors[0]).toBe('Subscriber "auditTrail" threw on entry seq=1: boom');
    expect(logger.errors[1]).toBe(
      'Subscriber "auditTrail" threw on entry seq=2: boom (2 failures so far)',
    );
    expect(logger.errors[10]).toBe(
      'Subscriber "auditTrail" threw on entry seq=1000: boom (1000 failures so far)',
    );
    expect(logger.errors[11]).toContain('seq=2000: boom (2000 failures so far)');
  });

  it('names an anonymous subscriber as such, and reports what a non-Error throw says', () => {
    const { queue, logger } = queueOf(() => {
      // A subscriber may throw anything; the queue must still say what.
      // eslint-disable-next-line @typescript-eslint/only-throw-error
      throw 'plain words';
    });
    queue.push(at(1));
    expect(logger.errors).toEqual(['Subscriber (anonymous) threw on entry seq=1: plain words']);
  });

  it('skips entries for a subscriber too far behind, logging the first skip and one in a thousand', async () => {
    const hold = pending();
    const { queue, logger } = queueOf(
      function slow() {
        return hold.promise;
      },
      { maxQueue: 3 },
    );
    for (let seq = 1; seq <= 2004; seq++) queue.push(at(seq));
    // 1 being delivered, 2 to 4 queued, the rest skipped.
    expect(queue.counters.skipped).toBe(2000);
    expect(queue.lastSkippedAt).toBeGreaterThan(0);
    expect(logger.errors).toEqual([
      'Subscriber "slow" is 3 entries behind; skipped entry seq=5 for it (1 skipped so far). Other subscribers are unaffected.',
      'Subscriber "slow" is 3 entries behind; skipped entry seq=1004 for it (1000 skipped so far). Other subscribers are unaffected.',
      'Subscriber "slow" is 3 entries behind; skipped entry seq=2004 for it (2000 skipped so far). Other subscribers are unaffected.',
    ]);
    hold.resolve();
  });

  it('counts only what waits toward maxQueue, not what it has delivered from the queue', async () => {
    const holds = new Map<number, ReturnType<typeof pending>>();
    const seen: number[] = [];
    const { queue } = queueOf(
      (e) => {
        seen.push(e.seq!);
        const hold = pending();
        holds.set(e.seq!, hold);
        return hold.promise;
      },
      { maxQueue: 2 },
    );
    // 1 being delivered, 2 and 3 waiting: the queue is full.
    for (const seq of [1, 2, 3]) queue.push(at(seq));
    holds.get(1)!.resolve();
    await turn();
    // 2 is being delivered now: only 3 waits, so 4 is taken.
    expect(seen).toEqual([1, 2]);
    queue.push(at(4));
    expect(queue.counters.skipped).toBe(0);
    for (const seq of [2, 3]) {
      holds.get(seq)!.resolve();
      await turn();
    }
    expect(seen).toEqual([1, 2, 3, 4]);
    holds.get(4)!.resolve();
  });

  it('treats only a thenable as a promise: null, objects and functions are answers', async () => {
    const later = pending();
    // A function with a then method is a thenable too, and is waited for.
    const thenable = Object.assign(() => 1, {
      then: (done: () => void) => void later.promise.then(done),
    });
    const answers: unknown[] = [null, { then: 'not a function' }, () => 1, 0, thenable, 'x'];
    const seen: number[] = [];
    const { queue } = queueOf((e) => {
      seen.push(e.seq!);
      return answers[e.seq! - 1];
    });
    for (let seq = 1; seq <= answers.length; seq++) queue.push(at(seq));
    expect(seen).toEqual([1, 2, 3, 4, 5]);
    expect(queue.doneUpTo(6)).toBe(4);
    later.resolve();
    await turn();
    await turn();
    expect(seen).toEqual([1, 2, 3, 4, 5, 6]);
    expect(queue.doneUpTo(6)).toBe(6);
  });

  it('delivers nothing once closed', () => {
    const seen: number[] = [];
    const { queue } = queueOf((e) => {
      seen.push(e.seq!);
    });
    queue.push(at(1));
    queue.close();
    queue.push(at(2));
    expect(seen).toEqual([1]);
  });

  it('waits on one entry at a time, and counts a rejection as a failure, once', async () => {
    const holds = [pending(), pending()];
    const seen: number[] = [];
    const { queue, logger } = queueOf((e) => {
      seen.push(e.seq!);
      return holds[e.seq! - 1]?.promise;
    });
    queue.push(at(1));
    queue.push(at(2));
    queue.push(at(3));
    expect(seen).toEqual([1]);
    expect(queue.doneUpTo(3)).toBe(0);
    holds[0]!.reject(new Error('late'));
    await turn();
    expect(seen).toEqual([1, 2]);
    expect(queue.counters.errors).toBe(1);
    expect(logger.errors).toEqual(['Subscriber (anonymous) threw on entry seq=1: late']);
    holds[1]!.resolve();
    await turn();
    expect(seen).toEqual([1, 2, 3]);
    expect(queue.doneUpTo(3)).toBe(3);
  });

  it('takes a late answer to an entry it moved on from for nothing: it waits on the entry it is on', async () => {
    const holds = [pending(), pending()];
    const seen: number[] = [];
    const { queue } = queueOf(
      function hung(e) {
        seen.push(e.seq!);
        return e.seq! <= 2 ? holds[e.seq! - 1]!.promise : undefined;
      },
      { timeoutMs: 200 },
    );
    queue.push(at(1));
    queue.push(at(2));
    queue.push(at(3));
    for (let i = 0; i < 100 && seen.length < 2; i++) await new Promise((r) => setTimeout(r, 10));
    expect(seen).toEqual([1, 2]);
    // Entry 1's answer comes after the queue moved on: entry 2 is still unanswered, so 3 waits,
    // and the subscriber, which timed out, is still not waited for.
    holds[0]!.resolve();
    await turn();
    expect(seen).toEqual([1, 2]);
    expect(queue.doneUpTo(3)).toBe(3);
    holds[1]!.resolve();
    await turn();
    expect(seen).toEqual([1, 2, 3]);
  });

  it('names an anonymous subscriber "anonymous" to the delivery wrapper', () => {
    const names: string[] = [];
    const [anonymous] = [(_entry: StatusEntry) => undefined];
    const queue = new SubscriberQueue(
      anonymous,
      {},
      { timeoutMs: 10_000, maxQueue: 100 },
      () => undefined,
      new RecordingLogger(),
      {
        wrapper: (_entry, name, call) => {
          names.push(name);
          return call();
        },
      },
    );
    queue.push(at(1));
    expect(names).toEqual(['anonymous']);
  });

  it('moves on after the timeout, once, and a late answer changes nothing', async () => {
    const hold = pending();
    const seen: number[] = [];
    const { queue, logger } = queueOf(
      function hung(e) {
        seen.push(e.seq!);
        return e.seq === 1 ? hold.promise : undefined;
      },
      { timeoutMs: 50 },
    );
    queue.push(at(1));
    queue.push(at(2));
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(seen).toEqual([1]);
    for (let i = 0; i < 100 && seen.length < 2; i++) await new Promise((r) => setTimeout(r, 10));
    expect(seen).toEqual([1, 2]);
    expect(queue.counters.timeouts).toBe(1);
    expect(logger.warnings).toEqual([
      'Subscriber "hung" did not finish entry seq=1 within 50 ms; moving on to its next entry.',
    ]);
    // Timed out: not waited for again, though nothing is being delivered.
    expect(queue.doneUpTo(2)).toBe(2);
    hold.reject(new Error('too late'));
    await turn();
    expect(queue.counters.errors).toBe(0);
    expect(seen).toEqual([1, 2]);
  });
});
