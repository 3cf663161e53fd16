import { STATUS_BACKEND_CONFORMANCE, StatusBackendUnderTest } from '../../src/testing';
import { RedisStatusBackend } from '../../src/redis';
import { createTestPrefix, sharedRedisUrl, TestPrefix } from '../support/test-redis';

describe('the StatusBackend contract: RedisStatusBackend', () => {
  const prefixes: TestPrefix[] = [];
  const open = async (prefix: string) => {
    const backend = new RedisStatusBackend({ url: sharedRedisUrl(), prefix, pollIntervalMs: 200 });
    await backend.open();
    return backend;
  };
  const subject: StatusBackendUnderTest = {
    async create() {
      const p = await createTestPrefix('conformance');
      prefixes.push(p);
      return open(p.prefix);
    },
    reopen: () => open(prefixes[prefixes.length - 1]!.prefix),
  };
  afterAll(async () => {
    await Promise.all(prefixes.map((p) => p.drop()));
  });

  it.each(STATUS_BACKEND_CONFORMANCE.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    await expect(c.run(subject)).resolves.toBeUndefined();
  });
});
