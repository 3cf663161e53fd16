import { spawn } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EmbeddedPostgresServer } from '../../src/embedded/embedded-postgres.server';

/**
 * `npm run mutation`: StrykerJS on the core, against the PostgreSQL server of DATABASE_URL or
 * an embedded one started here once for the whole run (jest's global setup would start one per
 * mutant). Arguments go to `stryker run`.
 */
async function main(): Promise<number> {
  let server: EmbeddedPostgresServer | undefined;
  if (!process.env.DATABASE_URL) {
    const dataDir = await mkdtemp(join(tmpdir(), 'status-bus-mutation-pg-'));
    server = await EmbeddedPostgresServer.start({ dataDir, persistent: false });
    process.env.DATABASE_URL = server.url;
  }
  try {
    const child = spawn('npx', ['stryker', 'run', ...process.argv.slice(2)], {
      stdio: 'inherit',
      env: process.env,
    });
    return await new Promise<number>((resolve) => child.on('exit', (code) => resolve(code ?? 1)));
  } finally {
    await server?.stop();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`mutation: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
