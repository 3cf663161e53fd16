import { Redis } from 'ioredis';
import { RedisVoiceStore, STATUS_BACKEND, StatusBackend } from '../../src';
import { StatusBusTaskStore } from '../../src/a2a';
import { behavesAsTaskStore, caller, task } from '../a2a/task-store.behaviour';
import { VOICE_STORE } from '../../src/voice/voice-store';
import { BusApp, eventually, startBusApp } from '../support/bus-app';
import { createTestPrefix, sharedRedisUrl, TestPrefix } from '../support/test-redis';

/**
 * What the voice injection and the A2A task store keep beside the log, in Redis: shared by
 * every instance on it, as they are in PostgreSQL.
 */
describe('the state beside the log, in Redis', () => {
  const apps: BusApp[] = [];
  const prefixes: TestPrefix[] = [];
  let redis: Redis;
  let key: string;

  beforeAll(() => {
    redis = new Redis(sharedRedisUrl());
  });
  beforeEach(async () => {
    const p = await createTestPrefix('stores');
    prefixes.push(p);
    key = p.prefix;
  });
  afterEach(async () => {
    await Promise.all(apps.splice(0).map((a) => a.app.close()));
    await Promise.all(prefixes.splice(0).map((p) => p.drop()));
  });
  afterAll(() => redis.disconnect());

  async function backend(): Promise<StatusBackend> {
    const app = await startBusApp({ redis: { url: sharedRedisUrl(), prefix: key } });
    apps.push(app);
    return app.app.get<StatusBackend>(STATUS_BACKEND);
  }

  describe('StatusBusTaskStore', () => {
    behavesAsTaskStore(async () => new StatusBusTaskStore(await backend()));

    it('shares its tasks between instances, and never sets one back to an older state', async () => {
      const [one, two] = [
        new StatusBusTaskStore(await backend()),
        new StatusBusTaskStore(await backend()),
      ];
      const newer = task('t1', 'c1', 'TASK_STATE_COMPLETED', '2026-01-01T00:00:02Z', 12);
      await one.save(newer, caller('alice'));
      expect(await two.load('t1', caller('alice'))).toEqual(newer);
      await two.save(
        task('t1', 'c1', 'TASK_STATE_WORKING', '2026-01-01T00:00:01Z', 9),
        caller('alice'),
      );
      expect(await one.load('t1', caller('alice'))).toEqual(newer);
      expect(await redis.exists(`{${key}}:a2a:tasks:0:alice`)).toBe(1);
    });
  });

  describe('RedisVoiceStore', () => {
    async function stores(): Promise<[RedisVoiceStore, RedisVoiceStore]> {
      const [a, b] = [await backend(), await backend()];
      return [new RedisVoiceStore(a.scripts!), new RedisVoiceStore(b.scripts!)];
    }

    it('lets one caller of all instances speak each entry, and none an older one', async () => {
      const [a, b] = await stores();
      const claims = await Promise.all(
        Array.from({ length: 10 }, (_, i) => (i % 2 ? a : b).claim('room', 'session', 5)),
      );
      expect(claims.filter(Boolean)).toHaveLength(1);
      expect(await a.claim('room', 'session', 4)).toBe(false);
      expect(await b.claim('room', 'session', 6)).toBe(true);
      // Rooms and sessions whose names run into each other stay apart.
      expect(await a.claim('room:1', 'x', 1)).toBe(true);
      expect(await a.claim('room', ':1x', 1)).toBe(true);
    });

    it('holds sessions per instance until their lease runs out', async () => {
      const [a, b] = await stores();
      expect(await a.held('room')).toBe(false);
      await a.hold('instance-a', 'room', ['s1', 's2'], 60_000);
      await b.hold('instance-b', 'room', ['s3'], 300);
      expect(await b.held('room')).toBe(true);
      // A's new hold replaces what A held, and leaves B's alone.
      await a.hold('instance-a', 'room', ['s2'], 60_000);
      expect((await redis.hkeys(`{${key}}:voice:sessions:room`)).sort()).toEqual(['s2', 's3']);
      await a.hold('instance-a', 'room', [], 60_000);
      expect(await a.held('room')).toBe(true);
      // B's lease runs out: nobody holds the room, and its key goes with the lease.
      await eventually(async () => !(await a.held('room')), 5000);
      await eventually(
        async () => (await redis.exists(`{${key}}:voice:sessions:room`)) === 0,
        5000,
      );
    });

    it('is the store the bus picks on Redis', async () => {
      const app = await startBusApp({ redis: { url: sharedRedisUrl(), prefix: key } });
      apps.push(app);
      expect(app.app.get(VOICE_STORE)).toBeInstanceOf(RedisVoiceStore);
    });
  });
});
