import type { EmbeddedPostgresServer } from '../../src/embedded/embedded-postgres.server';

export default async function globalTeardown(): Promise<void> {
  const holder = globalThis as { statusBusTestServer?: EmbeddedPostgresServer };
  await holder.statusBusTestServer?.stop();
  holder.statusBusTestServer = undefined;
}
