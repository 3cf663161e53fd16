import { StatusEntry } from '../entry/status-entry';
import { StatusResumePointLostError } from '../errors/status-bus.errors';
import type { StatusLog } from '../log/status-log';
import type { SubscribeOptions } from './status-subscriber';
import { ReadModel, ReadModelFollower } from './read-model-follower';

type Told = Pick<SubscribeOptions, 'onCaughtUp' | 'onLost'>;

/**
 * A log whose store answers `heads` in turn and `recent` as the test says, and whose `follow`
 * records what it was asked and lets the test tell the follower.
 */
function fakeLog(heads: number[], recent: jest.Mock = jest.fn(async () => [])) {
  const follows: { after: number; told: Told }[] = [];
  const unfollowed: number[] = [];
  const log = {
    open: jest.fn(async () => undefined),
    backend: { head: jest.fn(async () => heads.shift() ?? 0) },
    reader: { recent },
    follow: (_callback: unknown, after: number, told: Told) => {
      const i = follows.push({ after, told }) - 1;
      return async () => void unfollowed.push(i);
    },
  } as unknown as Pick<StatusLog, 'open' | 'follow' | 'backend' | 'reader'>;
  return { log, follows, unfollowed, recent };
}

/** A read model that keeps what it is given. */
function recordingModel() {
  const recorded: number[] = [];
  const model: ReadModel & { cleared: number } = {
    cleared: 0,
    clear() {
      this.cleared += 1;
      recorded.length = 0;
    },
    record: (entry) => void recorded.push(entry.seq!),
  };
  return { model, recorded };
}

const stored = (seq: number) => StatusEntry.create('exec', `step ${seq}`, 'completed').withSeq(seq);

describe('ReadModelFollower', () => {
  it('builds once, on the first read, and is ready once the log has caught the model up', async () => {
    const { log, follows, recent } = fakeLog(
      [5],
      jest.fn(async () => [stored(6), stored(7)]),
    );
    const { model, recorded } = recordingModel();
    const follower = new ReadModelFollower(log, model, { status: 'completed' });
    // Nothing is read before the first question.
    expect(recent).not.toHaveBeenCalled();
    let ready = false;
    const first = follower.ready().then(() => (ready = true));
    const second = follower.ready();
    await new Promise((resolve) => setImmediate(resolve));
    expect(recent).toHaveBeenCalledTimes(1);
    expect(recent).toHaveBeenCalledWith(expect.any(Number), { status: 'completed' });
    // The store's latest entries, then the log from the newest of what was read and the head.
    expect(recorded).toEqual([6, 7]);
    expect(follows.map((f) => f.after)).toEqual([7]);
    expect(ready).toBe(false);
    follows[0]!.told.onCaughtUp!(7);
    await Promise.all([first, second]);
    // Caught up again later: nobody waits, nothing is built again.
    follows[0]!.told.onCaughtUp!(9);
    await follower.ready();
    expect(recent).toHaveBeenCalledTimes(1);
  });

  it('tries a build that failed again on the next read', async () => {
    const recent = jest.fn().mockRejectedValueOnce(new Error('store down')).mockResolvedValue([]);
    const { log, follows } = fakeLog([3, 3], recent);
    const follower = new ReadModelFollower(log, recordingModel().model);
    await expect(follower.ready()).rejects.toThrow('store down');
    const again = follower.ready();
    await new Promise((resolve) => setImmediate(resolve));
    follows[0]!.told.onCaughtUp!(3);
    await again;
    expect(recent).toHaveBeenCalledTimes(2);
  });

  it('builds again when the log lost entries the model had not read, for whoever waits', async () => {
    const { log, follows, unfollowed } = fakeLog([10, 20]);
    const { model } = recordingModel();
    const follower = new ReadModelFollower(log, model);
    const ready = follower.ready();
    await new Promise((resolve) => setImmediate(resolve));
    follows[0]!.told.onLost!(new StatusResumePointLostError(10, 15));
    await new Promise((resolve) => setImmediate(resolve));
    expect(follows.map((f) => f.after)).toEqual([10, 20]);
    // Built afresh: what the first build took in is forgotten.
    expect(model.cleared).toBe(2);
    follows[1]!.told.onCaughtUp!(20);
    await ready;
    await follower.stop();
    expect(unfollowed).toEqual([1]);
  });
});
