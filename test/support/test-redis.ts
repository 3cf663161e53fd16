import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';

/**
 * The Redis server the Redis suites share: the one `REDIS_URL` names (`npm run test:redis` sets
 * the machine's). Each test gets a key prefix of its own on it, and deletes its keys after.
 */
export function sharedRedisUrl(): string {
  const url = process.env.REDIS_URL;
  if (!url) throw new Error('The Redis suites need REDIS_URL (npm run test:redis sets it)');
  return url;
}

export interface TestPrefix {
  prefix: string;
  /** Deletes every key under the prefix. */
  drop(): Promise<void>;
}

export async function createTestPrefix(name: string, url = sharedRedisUrl()): Promise<TestPrefix> {
  const prefix = `test-${name}-${randomUUID().slice(0, 8)}`;
  return {
    prefix,
    async drop() {
      const redis = new Redis(url, { lazyConnect: true });
      await redis.connect();
      try {
        let cursor = '0';
        do {
          const [next, keys] = await redis.scan(cursor, 'MATCH', `{${prefix}}:*`, 'COUNT', 1000);
          if (keys.length) await redis.del(...keys);
          cursor = next;
        } while (cursor !== '0');
      } finally {
        redis.disconnect();
      }
    },
  };
}
