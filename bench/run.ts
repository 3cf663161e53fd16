import { spawnSync } from 'node:child_process';
/**
 * `npm run bench [-- --quick]`: measures the bus against the limits of this machine and against
 * what users would pick instead, each figure beside its baseline from the same run, and writes
 * the tables to BENCHMARKS.md. Uses DATABASE_URL's server, or an embedded PostgreSQL.
 */
import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { EmbeddedPostgresServer } from '../src/postgres';
import { Section } from './measure';
import { a2aEvents } from './sections/a2a';
import { crossInstance } from './sections/cross-instance';
import { durableThroughput } from './sections/durable-throughput';
import { httpReads } from './sections/http';
import { inMemoryBus } from './sections/in-memory';
import { memory } from './sections/memory';
import { reads } from './sections/reads';
import { renderReport } from './report';
import { severalWriters } from './sections/writers';
import { observability } from './sections/observability';
import { partitions } from './sections/partitions';
import { redisBackend } from './sections/redis';

async function serverVersion(url: string): Promise<string> {
  const client = new Client({ connectionString: url });
  await client.connect();
  const { rows } = await client.query<{ server_version: string }>('SHOW server_version');
  await client.end();
  return rows[0]!.server_version;
}

async function main(): Promise<void> {
  const quick = process.argv.includes('--quick');
  const only = process.argv.find((a) => a.startsWith('--only='))?.slice(7);
  Logger.overrideLogger(['error']);
  let embedded: EmbeddedPostgresServer | undefined;
  if (!process.env.DATABASE_URL) {
    embedded = await EmbeddedPostgresServer.start({
      dataDir: await mkdtemp(join(os.tmpdir(), 'status-bus-bench-pg-')),
      persistent: false,
    });
    process.env.DATABASE_URL = embedded.url;
  }
  const started = new Date();
  const postgres = await serverVersion(process.env.DATABASE_URL);
  // The in-memory bus first, while PostgreSQL is idle: after a million-row load it is busy for
  // a while (checkpoints, autovacuum) on the cores the in-memory figures are measured on.
  const plan: [string, (quick: boolean) => Promise<Section>][] = [
    ['memory-bus', inMemoryBus],
    ['observability', observability],
    ['durable', durableThroughput],
    ['cross', crossInstance],
    ['writers', severalWriters],
    ['reads', reads],
    ['memory', memory],
    ['http', httpReads],
    ['a2a', a2aEvents],
    ['partitions', partitions],
  ];
  // The Redis section starts a server of its own, from the machine's redis-server.
  if (spawnSync('redis-server', ['--version']).status === 0) plan.push(['redis', redisBackend]);
  else process.stdout.write('\nNo redis-server on this machine: the Redis section is left out.\n');
  const sections: Section[] = [];
  try {
    for (const [key, run] of plan) {
      if (only && !only.split(',').includes(key)) continue;
      process.stdout.write(`\n${key}\n`);
      sections.push(await run(quick));
    }
  } finally {
    await embedded?.stop();
  }
  const report = renderReport(sections, {
    command: `npm run bench${quick ? ' -- --quick' : ''}`,
    date: started.toISOString(),
    machine: `${os.cpus().length} × ${os.cpus()[0]?.model ?? 'unknown CPU'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, ${os.type()} ${os.release()}`,
    node: process.version,
    postgres: `PostgreSQL ${postgres} (${embedded ? 'embedded' : 'DATABASE_URL'})`,
    notes: await readFile(join(__dirname, 'NOTES.md'), 'utf8'),
  });
  process.stdout.write(`\n${report}`);
  // A quick run is a smoke test; only a full run replaces the recorded figures.
  if (!only && !quick) await writeFile(join(__dirname, '..', 'BENCHMARKS.md'), report);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
