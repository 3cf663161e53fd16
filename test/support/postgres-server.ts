import { ChildProcess, fork } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { freePort } from './free-port';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

function reply<T>(child: ChildProcess, type: string): Promise<T> {
  return new Promise((resolve, reject) => {
    child.on('message', (m: { type: string; message?: string }) => {
      if (m.type === type) resolve(m as T);
      if (m.type === 'failed') reject(new Error(m.message));
    });
    child.once('exit', (code) => reject(new Error(`PostgreSQL process exited with ${code}`)));
  });
}

/**
 * A PostgreSQL server of the test's own, which it may stop and start again on the same port
 * and data, while the bus under test keeps running.
 */
export class RestartablePostgres {
  private child: ChildProcess | undefined;
  url = '';

  private constructor(
    private readonly dataDir: string,
    private readonly port: number,
  ) {}

  static async create(): Promise<RestartablePostgres> {
    const dataDir = await mkdtemp(join(tmpdir(), 'status-bus-restartable-'));
    const port = await freePort();
    const server = new RestartablePostgres(dataDir, port);
    await server.start();
    return server;
  }

  async start(): Promise<void> {
    this.child = fork(join(__dirname, 'postgres-server.process.ts'), [], {
      execArgv: ['-r', 'ts-node/register/transpile-only'],
      env: {
        ...process.env,
        STATUS_BUS_PG_DIR: this.dataDir,
        STATUS_BUS_PG_PORT: String(this.port),
      },
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    });
    this.url = (await reply<{ url: string }>(this.child, 'started')).url;
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null) return;
    this.child = undefined;
    const stopped = reply(child, 'stopped');
    child.send({ type: 'stop' });
    await stopped;
  }
}
