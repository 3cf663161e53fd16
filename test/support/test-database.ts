import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { STATUS_BUS_MIGRATIONS, STATUS_BUS_MIGRATIONS_TABLE } from '../../src/postgres';

/** A database of its own for one test file, on the suite's server. */
export interface TestDatabase {
  url: string;
  name: string;
  /** Runs SQL as a separate client; for arranging and checking state behind the bus's back. */
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
  /**
   * Makes the database refuse connections and cuts those it has (the bus's included), as a
   * database restart or failover would; resolves with a function that lets them in again.
   */
  refuseConnections(): Promise<() => Promise<void>>;
  drop(): Promise<void>;
}

function serverUrl(): string {
  const url = process.env.DATABASE_URL;
  if (!url) throw new Error('DATABASE_URL is not set: the jest global setup sets it');
  return url;
}

function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

async function admin<T>(work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: serverUrl() });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** How many of the bus's migrations come before the one named `name`: a schema as it was then. */
export function migrationsBefore(name: string): number {
  const index = STATUS_BUS_MIGRATIONS.findIndex((m) => m.name === name);
  if (index < 0) throw new Error(`migrationsBefore: the bus has no migration named ${name}`);
  return index;
}

/**
 * A data source on `url` that knows the bus's migrations (all, or the first `count`), already
 * migrated; the caller destroys it.
 */
export async function migratedDataSource(
  url: string,
  count = STATUS_BUS_MIGRATIONS.length,
): Promise<DataSource> {
  const source = new DataSource({
    type: 'postgres',
    url,
    migrations: STATUS_BUS_MIGRATIONS.slice(0, count),
    migrationsTableName: STATUS_BUS_MIGRATIONS_TABLE,
  });
  await source.initialize();
  await source.runMigrations();
  return source;
}

/**
 * How long a drop waits for pools that are still closing. Forcing their connections off
 * mid-goodbye makes their idle clients raise errors in whoever owns them (for a pool without an
 * error listener, an uncaught exception in the test or benchmark process).
 */
const DROP_GRACE_MS = 3_000;

async function waitForDisconnects(client: Client, database: string): Promise<void> {
  const deadline = Date.now() + DROP_GRACE_MS;
  while (Date.now() < deadline) {
    const { rows } = await client.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1',
      [database],
    );
    if (rows[0]!.n === 0) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

export async function createTestDatabase(label: string): Promise<TestDatabase> {
  const name = `sb_${label.replace(/\W/g, '_')}_${randomBytes(4).toString('hex')}`.toLowerCase();
  await admin((c) => c.query(`CREATE DATABASE ${name}`));
  const url = withDatabase(serverUrl(), name);
  return {
    url,
    name,
    async query<T>(sql: string, params: unknown[] = []): Promise<T[]> {
      const client = new Client({ connectionString: url });
      await client.connect();
      try {
        return (await client.query(sql, params)).rows as T[];
      } finally {
        await client.end();
      }
    },
    refuseConnections: () =>
      admin(async (c) => {
        await c.query(`ALTER DATABASE ${name} ALLOW_CONNECTIONS false`);
        await c.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1', [
          name,
        ]);
        return () =>
          admin((again) => again.query(`ALTER DATABASE ${name} ALLOW_CONNECTIONS true`)).then(
            () => undefined,
          );
      }),
    drop: () =>
      admin(async (c) => {
        await waitForDisconnects(c, name);
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      }),
  };
}
