#!/usr/bin/env node
/**
 * `npx nest-status-bus migrate | revert [--url <url>]`: runs the bus's PostgreSQL migrations
 * from an installed package, recorded in `status_bus_migrations` like those the module runs
 * itself (`postgres.migrationsRun`), so the two can be mixed. The connection comes from
 * `--url` or `DATABASE_URL`; it is never printed (it may hold a password).
 */
import 'reflect-metadata';
import type * as Migrations from '../backends/postgres/postgres-migrations';
import { loadPart } from '../util/optional-part';

const USAGE = `Usage: nest-status-bus <command> [--url <postgres url>]

Commands:
  migrate   apply the status bus's pending migrations
  revert    undo the last one

The connection is --url, else the environment variable DATABASE_URL.`;

/** Runs the command line; resolves with the exit code. */
export async function main(argv: readonly string[], env = process.env): Promise<number> {
  const [command, ...rest] = argv;
  if (command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (command !== 'migrate' && command !== 'revert') {
    process.stderr.write(`${command ? `Unknown command "${command}". ` : ''}${USAGE}\n`);
    return 2;
  }
  const urlAt = rest.indexOf('--url');
  const url = urlAt >= 0 ? rest[urlAt + 1] : env.DATABASE_URL;
  if (!url) {
    process.stderr.write('No database: pass --url <postgres url> or set DATABASE_URL.\n');
    return 2;
  }
  const { runStatusBusMigrations } = loadPart(
    'nest-status-bus migrate',
    ['pg', 'typeorm'],
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- optional peers
    () => require('../backends/postgres/postgres-migrations') as typeof Migrations,
  );
  try {
    const names = await runStatusBusMigrations(
      { type: 'postgres', url },
      command === 'migrate' ? 'run' : 'revert',
    );
    const done = command === 'migrate' ? 'Applied' : 'Reverted';
    if (names.length === 0) process.stdout.write('Nothing to do: the schema is up to date.\n');
    for (const name of names) process.stdout.write(`${done} ${name}\n`);
    return 0;
  } catch (err) {
    // The driver's message names the problem (refused, unknown database, bad password) without
    // the URL; the URL itself is never printed.
    process.stderr.write(`nest-status-bus ${command} failed: ${(err as Error).message}\n`);
    return 1;
  }
}

if (require.main === module) {
  void main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
