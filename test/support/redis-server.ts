import { ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { freePort } from './free-port';

/**
 * A `redis-server` process of the test's own, on a free port, from the machine's Redis: one it
 * may kill, restart on the same port and data, make a replica, or start in cluster mode.
 */
export class RedisServer {
  private child: ChildProcess | undefined;

  private constructor(
    readonly port: number,
    readonly dir: string,
    private readonly args: string[],
    private readonly config?: string,
  ) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** Starts a server; `args` are redis-server options (`['--appendonly', 'yes']`). */
  static async start(args: string[] = []): Promise<RedisServer> {
    const dir = await mkdtemp(join(tmpdir(), 'status-bus-redis-'));
    const server = new RedisServer(await freePort(), dir, ['--save', '', ...args]);
    await server.restart();
    return server;
  }

  /**
   * Starts a Sentinel that watches the primary on `primaryPort` as `name`, quick to call it down
   * (three seconds) and to fail over. Not quicker: Sentinel pings once a second, and a primary
   * it has just promoted gets its first ping about a second after the promotion, so a shorter
   * period calls the new primary down before it could answer and fails over again.
   */
  static async sentinel(name: string, primaryPort: number): Promise<RedisServer> {
    const dir = await mkdtemp(join(tmpdir(), 'status-bus-sentinel-'));
    const config = join(dir, 'sentinel.conf');
    // Sentinel rewrites its configuration file as it learns, so it gets one of its own.
    await writeFile(
      config,
      [
        `sentinel monitor ${name} 127.0.0.1 ${primaryPort} 1`,
        `sentinel down-after-milliseconds ${name} 3000`,
        `sentinel failover-timeout ${name} 5000`,
        '',
      ].join('\n'),
    );
    const server = new RedisServer(await freePort(), dir, [], config);
    await server.restart();
    return server;
  }

  /** Starts the process again, on the same port and data directory. */
  async restart(): Promise<void> {
    const child = spawn(
      'redis-server',
      [
        ...(this.config ? [this.config, '--sentinel'] : []),
        ...['--port', String(this.port), '--bind', '127.0.0.1', '--dir', this.dir, ...this.args],
      ],
      { stdio: 'ignore' },
    );
    this.child = child;
    const exited = new Promise<never>((_, reject) =>
      child.once('exit', (code) =>
        reject(new Error(`redis-server on ${this.port} exited with ${code}`)),
      ),
    );
    exited.catch(() => undefined);
    const deadline = Date.now() + 10_000;
    for (;;) {
      try {
        await Promise.race([this.command('PING'), exited]);
        return;
      } catch (err) {
        if (Date.now() > deadline || child.exitCode !== null) throw err;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
  }

  /** Runs one command on a short-lived connection. */
  async command(...args: (string | number)[]): Promise<unknown> {
    const redis = new Redis(this.port, '127.0.0.1', {
      lazyConnect: true,
      retryStrategy: () => null,
      maxRetriesPerRequest: 0,
    });
    redis.on('error', () => undefined);
    try {
      await redis.connect();
      return await redis.call(String(args[0]), ...args.slice(1));
    } finally {
      redis.disconnect();
    }
  }

  /** Ends the process with `signal` and waits until it has exited. */
  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill(signal);
    await exited;
  }

  /** Stops the process and removes its data. */
  async remove(): Promise<void> {
    await this.kill();
    await rm(this.dir, { recursive: true, force: true });
  }
}
