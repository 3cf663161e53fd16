import { StatusResumePointLostError } from '../errors/status-bus.errors';
import type { StatusLog } from '../log/status-log';
import type { SubscribeOptions } from './status-subscriber';
import { ReadModelFollower } from './read-model-follower';

/** A log whose `follow` records what it was asked and lets the test tell the follower. */
function fakeLog() {
  const follows: { after: number; told: Pick<SubscribeOptions, 'onCaughtUp' | 'onLost'> }[] = [];
  const unfollowed: number[] = [];
  const log = {
    open: jest.fn(async () => undefined),
    follow: (_callback: unknown, after: number, told: (typeof follows)[number]['told']) => {
      const i = follows.push({ after, told }) - 1;
      return async () => void unfollowed.push(i);
    },
  } as unknown as Pick<StatusLog, 'open' | 'follow'>;
  return { log, follows, unfollowed };
}

const record = () => undefined;

describe('ReadModelFollower', () => {
  it('builds once, on the first read, and is ready once the log has caught the model up', async () => {
    const { log, follows } = fakeLog();
    const build = jest.fn(async () => ({ after: 7, record }));
    const follower = new ReadModelFollower(log, build);
    expect(follower.active).toBe(false);
    let ready = false;
    const first = follower.ready().then(() => (ready = true));
    const second = follower.ready();
    await new Promise((resolve) => setImmediate(resolve));
    expect(build).toHaveBeenCalledTimes(1);
    expect(follows.map((f) => f.after)).toEqual([7]);
    expect(ready).toBe(false);
    follows[0]!.told.onCaughtUp!(7);
    await Promise.all([first, second]);
    // Caught up again later: nobody waits, nothing is built again.
    follows[0]!.told.onCaughtUp!(9);
    await follower.ready();
    expect(build).toHaveBeenCalledTimes(1);
  });

  it('tries a build that failed again on the next read', async () => {
    const { log, follows } = fakeLog();
    const build = jest
      .fn()
      .mockRejectedValueOnce(new Error('store down'))
      .mockResolvedValue({ after: 3, record });
    const follower = new ReadModelFollower(log, build);
    await expect(follower.ready()).rejects.toThrow('store down');
    const again = follower.ready();
    await new Promise((resolve) => setImmediate(resolve));
    follows[0]!.told.onCaughtUp!(3);
    await again;
    expect(build).toHaveBeenCalledTimes(2);
  });

  it('builds again when the log lost entries the model had not read, for whoever waits', async () => {
    const { log, follows, unfollowed } = fakeLog();
    let after = 0;
    const build = jest.fn(async () => ({ after: (after += 10), record }));
    const follower = new ReadModelFollower(log, build);
    const ready = follower.ready();
    await new Promise((resolve) => setImmediate(resolve));
    follows[0]!.told.onLost!(new StatusResumePointLostError(10, 15));
    await new Promise((resolve) => setImmediate(resolve));
    expect(follows.map((f) => f.after)).toEqual([10, 20]);
    follows[1]!.told.onCaughtUp!(20);
    await ready;
    await follower.stop();
    expect(unfollowed).toEqual([1]);
  });
});
