import { Logger } from '@nestjs/common';
import { StatusEntry } from '../entry/status-entry';
import { StatusResumePointLostError } from '../errors/status-bus.errors';
import { eventually } from '../../test/support/eventually';
import { ReadAfter, ResumableSubscription } from './resumable-subscription';

const logger = { warn: jest.fn(), error: jest.fn() } as unknown as Logger;
const settings = { maxHeld: 2, page: 3, retryMaxMs: 20 };

/** A log of `n` entries, positions 1 to n. */
function log(n: number): StatusEntry[] {
  return Array.from({ length: n }, (_, i) =>
    StatusEntry.create('exec', `e${i + 1}`, 'ok').withSeq(i + 1),
  );
}

const readOf =
  (entries: StatusEntry[]): ReadAfter =>
  async (seq, limit) =>
    entries.filter((e) => e.seq! > seq).slice(0, limit);

describe('ResumableSubscription', () => {
  it('retries a read that fails, skipping nothing, and says so once', async () => {
    const entries = log(7);
    let failures = 2;
    const read: ReadAfter = (seq, limit, filter) =>
      failures-- > 0 ? Promise.reject(new Error('down')) : readOf(entries)(seq, limit, filter);
    const seen: number[] = [];
    const s = new ResumableSubscription(
      (e) => void seen.push(e.seq!),
      {},
      2,
      read,
      settings,
      logger,
      () => undefined,
    );
    s.start();
    await eventually(() => seen.length === 5);
    expect(seen).toEqual([3, 4, 5, 6, 7]);
    expect(logger.warn).toHaveBeenCalledTimes(1);
    s.close();
  });

  it('reads from the store what it could not hold while its callback was busy, once each', async () => {
    const entries = log(3);
    const seen: number[] = [];
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const s = new ResumableSubscription(
      async (e) => {
        seen.push(e.seq!);
        if (e.seq === 3) await gate;
      },
      {},
      0,
      readOf(entries),
      settings,
      logger,
      () => undefined,
    );
    s.start();
    await eventually(() => seen.length === 3);
    // Ten more pass while the callback holds the third: more than it may hold.
    for (const e of log(13).slice(3)) {
      entries.push(e);
      s.offer(e);
    }
    release();
    await eventually(() => seen.length === 13);
    expect(seen).toEqual(log(13).map((e) => e.seq));
    s.close();
  });

  it('ends when entries it has not read are gone, telling onLost, whose throw goes nowhere', async () => {
    const lost = new StatusResumePointLostError(0, 9);
    const onLost = jest.fn(() => {
      throw new Error('the caller is careless');
    });
    const s = new ResumableSubscription(
      () => undefined,
      {},
      0,
      () => Promise.reject(lost),
      settings,
      logger,
      onLost,
    );
    s.start();
    await eventually(() => onLost.mock.calls.length === 1);
    expect(onLost).toHaveBeenCalledWith(lost);
    // Ended: nothing offered later is delivered.
    s.offer(log(10)[9]!);
    expect(logger.error).toHaveBeenCalledWith('onLost threw: the caller is careless');
  });

  it('delivers nothing once closed, even while a read was failing', async () => {
    const seen: number[] = [];
    const s = new ResumableSubscription(
      (e) => void seen.push(e.seq!),
      {},
      0,
      () => Promise.reject(new Error('down')),
      { ...settings, retryMaxMs: 60_000 },
      logger,
      () => undefined,
    );
    s.start();
    await new Promise((resolve) => setTimeout(resolve, 10));
    s.close();
    s.offer(log(1)[0]!);
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(seen).toEqual([]);
  });
});
