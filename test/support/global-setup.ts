import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EmbeddedPostgresServer } from '../../src/embedded/embedded-postgres.server';

/**
 * The PostgreSQL server of the suite: the one `DATABASE_URL` names, or else an embedded one
 * started here. Each test file creates its own database on it (see test-database.ts).
 */
export default async function globalSetup(): Promise<void> {
  process.stdout.write(
    process.env.REDIS_URL
      ? `\nRedis suites use the server of REDIS_URL.\n`
      : `\nRedis suites skipped: no REDIS_URL (npm run test:redis runs them on 127.0.0.1:6379).\n`,
  );
  if (process.env.DATABASE_URL) {
    process.stdout.write(`\nTests use the PostgreSQL server of DATABASE_URL.\n`);
    return;
  }
  const dataDir = await mkdtemp(join(tmpdir(), 'status-bus-test-pg-'));
  const server = await EmbeddedPostgresServer.start({ dataDir, persistent: false });
  process.env.DATABASE_URL = server.url;
  (globalThis as { statusBusTestServer?: EmbeddedPostgresServer }).statusBusTestServer = server;
  process.stdout.write(`\nTests use an embedded PostgreSQL server on port ${server.port}.\n`);
}
