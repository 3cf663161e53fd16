import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  installFixture,
  packPackage,
  readmeExample,
  readmeStoreLine,
  sh,
} from '../consumers/consumer-apps';
import { RedisServer } from '../support/redis-server';

/**
 * The README's first example with its one-line change for Redis, in an application that
 * installs the packed package and ioredis only (fixtures/redis-only), run as a child process
 * against a Redis server of the test's own.
 */
describe('the packed package with the log in Redis', () => {
  let work: string;
  let dir: string;
  let server: RedisServer;

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'status-bus-redis-consumer-'));
    const example = readmeExample();
    const line = readmeStoreLine('**Or in Redis.**');
    const inMemory = 'StatusBusModule.forRoot()';
    if (!example.includes(inMemory)) throw new Error(`the README's example has no ${inMemory}`);
    dir = installFixture(work, 'redis-only', packPackage(work), example.replace(inMemory, line));
    server = await RedisServer.start();
  }, 600_000);

  afterAll(async () => {
    await server?.remove();
    rmSync(work, { recursive: true, force: true });
  });

  it("runs the README's Redis example, and the log is in Redis", async () => {
    const out = sh(process.execPath, ['dist/using-it.js'], dir, { REDIS_URL: server.url });
    expect(out).toContain('voice: Task done: Done in 48s');
    expect(out).toContain('audit: #3 exec task_completed completed');
    expect(out).toContain('exec has completed: true');
    expect(await server.command('XLEN', '{status-bus}:log')).toBe(3);
    // Again, as a second instance would: the history is there, positions go on.
    const again = sh(process.execPath, ['dist/using-it.js'], dir, { REDIS_URL: server.url });
    expect(again).toContain('audit: #6 exec task_completed completed');
  });
});
