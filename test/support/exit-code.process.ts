/**
 * Starts and stops an embedded PostgreSQL server in STATUS_BUS_PG_DIR, then sets
 * `process.exitCode` to STATUS_BUS_EXIT_CODE and lets the event loop empty, as a script that
 * failed does.
 */
import { EmbeddedPostgresServer } from '../../src/embedded/embedded-postgres.server';

void (async () => {
  const server = await EmbeddedPostgresServer.start({
    dataDir: process.env.STATUS_BUS_PG_DIR!,
    persistent: false,
  });
  await server.stop();
  process.exitCode = Number(process.env.STATUS_BUS_EXIT_CODE);
})();
