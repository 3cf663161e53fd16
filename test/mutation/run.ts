import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EmbeddedPostgresServer } from '../../src/embedded/embedded-postgres.server';
import { summarise } from './summary';

/**
 * `npm run mutation [group...]`: StrykerJS on the core, one group of files at a time (groups in
 * test/mutation/groups.json; all of them by default), against the PostgreSQL server of
 * DATABASE_URL or an embedded one started here once for the whole run (jest's global setup would
 * start one per mutant). Ends with the score of every group that has a report, and fails when the
 * whole is below the threshold.
 */
const THRESHOLD = 80;

async function stryker(group: string): Promise<number> {
  const child = spawn('npx', ['stryker', 'run'], {
    stdio: 'inherit',
    env: { ...process.env, MUTATION_GROUP: group },
  });
  return new Promise<number>((resolve) => child.on('exit', (code) => resolve(code ?? 1)));
}

async function main(): Promise<number> {
  const MUTATED = JSON.parse(readFileSync(join(__dirname, 'groups.json'), 'utf8')) as Record<
    string,
    string[]
  >;
  const asked = process.argv.slice(2);
  const unknown = asked.filter((g) => !(g in MUTATED));
  if (unknown.length)
    throw new Error(
      `no mutation group ${unknown.join(', ')} (groups: ${Object.keys(MUTATED).join(', ')})`,
    );
  const groups = asked.length ? asked : Object.keys(MUTATED);
  let server: EmbeddedPostgresServer | undefined;
  if (!process.env.DATABASE_URL) {
    const dataDir = await mkdtemp(join(tmpdir(), 'status-bus-mutation-pg-'));
    server = await EmbeddedPostgresServer.start({ dataDir, persistent: false });
    process.env.DATABASE_URL = server.url;
  }
  try {
    for (const group of groups) await stryker(group);
  } finally {
    await server?.stop();
  }
  const reports = Object.keys(MUTATED)
    .map((group) => ({ group, path: `reports/mutation/${group}.json` }))
    .filter((r) => existsSync(r.path))
    .map((r) => ({ group: r.group, report: JSON.parse(readFileSync(r.path, 'utf8')) as unknown }));
  const { text, score } = summarise(reports);
  process.stdout.write(text);
  return score >= THRESHOLD ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`mutation: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
