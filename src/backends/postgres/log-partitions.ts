import { Logger } from '@nestjs/common';
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { mkdir, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { createGzip } from 'node:zlib';
import type { Pool, PoolClient } from 'pg';
import type { ResolvedRetention } from '../../retention/retention-options';
import { archiveFileName, fileSha256, StatusArchiveHeader } from '../../retention/status-archive';
import { COLUMNS, EntryRow, toEntry } from './postgres-entry-row';

/**
 * Days of partitions kept ready from the bus's clock on: today and two more. Few, for every
 * partition costs each read that cannot skip it.
 */
const DAYS_AHEAD = 3;
const DAY = 86_400_000;
/** Rows read per query while a partition is archived. */
const PAGE = 5000;
/** 'sBuT': the advisory lock of the maintenance, beside the appends' 'sBuS'. */
const LOCK = 1937072468;

/** A partition of the log and the range of time it covers (`from` null: from the start). */
interface Partition {
  name: string;
  from: Date | null;
  to: Date;
}

/** What one pass of the maintenance did. */
export interface PartitionsReport {
  /** False when the log is not partitioned (its migrations have not all run). */
  partitioned: boolean;
  /** False when another instance held the maintenance at the time. */
  ran: boolean;
  added: number;
  dropped: { partition: string; rows: number; archive?: string }[];
}

/**
 * Keeps the partitions of the log: a week of days ahead of the bus's clock, and, with retention,
 * drops the days whose last moment is older than the horizon (each archived first when asked),
 * with the voice checkpoints and A2A tasks untouched since. One instance at a time does it (an
 * advisory lock); partitions are attached and detached concurrently, so appends never wait on it
 * for longer than its `lock_timeout`.
 */
export class LogPartitions {
  private readonly logger = new Logger('StatusBus');
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;
  /** Partitions dropped and their rows, since start. */
  readonly dropped = { partitions: 0, rows: 0 };

  constructor(
    private readonly pool: () => Pool,
    private readonly clock: () => number,
    private readonly retention: ResolvedRetention | undefined,
  ) {}

  /** Makes sure today's partition and the next days' exist, then maintains on a schedule. */
  async start(): Promise<void> {
    await this.withClient(
      async (client) => (await partitioned(client)) && addDays(client, this.clock(), DAYS_AHEAD),
    );
    const every = this.retention?.checkEveryMs ?? 3_600_000;
    this.timer = setInterval(() => void this.maintain(), every);
    this.timer.unref();
    if (this.retention) void this.maintain();
  }

  /**
   * Adds the partitions of the days of `timestamps` (entries an append could not place), at
   * most a year of days from the earliest, and logs why. Errors are logged, not thrown.
   */
  async cover(timestamps: readonly string[]): Promise<void> {
    const times = timestamps.map((ts) => Date.parse(ts)).filter((ms) => !Number.isNaN(ms));
    if (times.length === 0) return;
    const first = Math.min(...times);
    const days = Math.min(366, Math.floor((Math.max(...times) - first) / DAY) + 2);
    try {
      const added = await this.withClient((client) => addDays(client, first, days));
      this.logger.warn(
        `Entries dated ${new Date(first).toISOString()} and after had no partition: ` +
          `added ${added} day(s). Is this instance's clock right?`,
      );
    } catch (err) {
      this.logger.error(
        `Adding partitions for entries failed: ${err instanceof Error ? err.message : String(err)}`,
      );
    }
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running?.catch(() => undefined);
  }

  /**
   * One pass: days ahead, then retention; after the pass under way, if any. Errors are logged and
   * answered as `undefined`; the next pass tries again.
   */
  maintain(): Promise<PartitionsReport | undefined> {
    const pass = (this.running ?? Promise.resolve())
      .catch(() => undefined)
      .then(() => this.pass())
      .catch((err: unknown) => {
        this.logger.error(
          `Partition maintenance failed: ${err instanceof Error ? err.message : String(err)}`,
        );
        return undefined;
      });
    this.running = pass;
    return pass;
  }

  private pass(): Promise<PartitionsReport> {
    return this.withClient(async (client) => {
      const report: PartitionsReport = { partitioned: false, ran: false, added: 0, dropped: [] };
      if (!(await partitioned(client))) return report;
      report.partitioned = true;
      const [lock] = (
        await client.query<{ locked: boolean }>(
          `SELECT pg_try_advisory_lock($1, 'status_bus_entries'::regclass::oid::int) AS locked`,
          [LOCK],
        )
      ).rows;
      if (!lock?.locked) return report;
      report.ran = true;
      try {
        report.added = await addDays(client, this.clock(), DAYS_AHEAD);
        if (this.retention) await this.prune(client, this.retention, report);
      } finally {
        await client.query(
          `SELECT pg_advisory_unlock($1, 'status_bus_entries'::regclass::oid::int)`,
          [LOCK],
        );
      }
      return report;
    });
  }

  private async prune(
    client: PoolClient,
    retention: ResolvedRetention,
    report: PartitionsReport,
  ): Promise<void> {
    const horizon = new Date(this.clock() - retention.keepMs);
    const expired = (
      await client.query<Partition>(
        `SELECT name, from_ts AS "from", to_ts AS "to" FROM status_bus_entries_partitions()
          WHERE to_ts <= $1 ORDER BY to_ts`,
        [horizon],
      )
    ).rows;
    for (const partition of expired) {
      // One read for the report and the archive's header both.
      const [span] = (
        await client.query<{ rows: string; first: string | null; last: string | null }>(
          `SELECT count(*) AS rows, min(seq) AS first, max(seq) AS last
             FROM ${client.escapeIdentifier(partition.name)}`,
        )
      ).rows;
      const rows = Number(span?.rows ?? 0);
      const seqs = { first: Number(span?.first ?? 0), last: Number(span?.last ?? 0) };
      const archive = retention.archiveDir
        ? await this.archive(client, partition, retention.archiveDir, rows, seqs)
        : undefined;
      await this.detach(client, partition.name);
      await client.query(`DROP TABLE ${client.escapeIdentifier(partition.name)}`);
      this.dropped.partitions += 1;
      this.dropped.rows += rows;
      report.dropped.push({ partition: partition.name, rows, ...(archive && { archive }) });
      this.logger.log(
        `Retention dropped ${partition.name} (${rows} entries before ${partition.to.toISOString()})` +
          (archive ? `, archived to ${archive}` : ''),
      );
    }
    // What is kept beside the log follows its horizon.
    await client.query('DELETE FROM status_bus_voice_checkpoints WHERE updated_at < $1', [horizon]);
    await client.query('DELETE FROM status_bus_a2a_tasks WHERE updated_at < $1', [horizon]);
  }

  /** Detaches without blocking appends; finishes a detach an earlier pass left half done. */
  private async detach(client: PoolClient, name: string): Promise<void> {
    const partition = client.escapeIdentifier(name);
    try {
      await client.query(
        `ALTER TABLE status_bus_entries DETACH PARTITION ${partition} CONCURRENTLY`,
      );
    } catch (err) {
      if (!(err instanceof Error && /FINALIZE/.test(err.message))) throw err;
      await client.query(`ALTER TABLE status_bus_entries DETACH PARTITION ${partition} FINALIZE`);
    }
  }

  /** Writes a partition as a gzip JSONL archive chained to the previous one; its path. */
  private async archive(
    client: PoolClient,
    partition: Partition,
    dir: string,
    rows: number,
    seqs: { first: number; last: number },
  ): Promise<string> {
    const [last] = (
      await client.query<{ sha256: string }>(
        'SELECT sha256 FROM status_bus_archives ORDER BY last_seq DESC, archived_at DESC LIMIT 1',
      )
    ).rows;
    const table = client.escapeIdentifier(partition.name);
    const header: StatusArchiveHeader = {
      archive: 1,
      partition: partition.name,
      from: partition.from?.toISOString() ?? null,
      to: partition.to.toISOString(),
      rows,
      firstSeq: seqs.first,
      lastSeq: seqs.last,
      previous: last?.sha256 ?? null,
    };
    await mkdir(dir, { recursive: true });
    const path = join(dir, archiveFileName(partition.to, partition.name));
    const partial = `${path}.partial`;
    const gzip = createGzip();
    const file = createWriteStream(partial);
    gzip.pipe(file);
    const write = async (line: string) => {
      if (!gzip.write(`${line}\n`)) await once(gzip, 'drain');
    };
    await write(JSON.stringify(header));
    let after = 0;
    for (;;) {
      const page = (
        await client.query<EntryRow>(
          `SELECT ${COLUMNS} FROM ${table} WHERE seq > $1 ORDER BY seq LIMIT ${PAGE}`,
          [after],
        )
      ).rows;
      for (const row of page) await write(JSON.stringify(toEntry(row).toJSON()));
      if (page.length < PAGE) break;
      after = Number(page.at(-1)!.seq);
    }
    gzip.end();
    await once(file, 'close');
    await rename(partial, path);
    await client.query(
      `INSERT INTO status_bus_archives (partition, file, sha256, rows, first_seq, last_seq)
       VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (partition) DO UPDATE SET file = EXCLUDED.file, sha256 = EXCLUDED.sha256`,
      [partition.name, path, await fileSha256(path), rows, header.firstSeq, header.lastSeq],
    );
    return path;
  }

  private async withClient<T>(work: (client: PoolClient) => Promise<T>): Promise<T> {
    const client = await this.pool().connect();
    try {
      // Never queue appends behind a lock this maintenance waits for.
      await client.query(`SET lock_timeout = '5s'`);
      return await work(client);
    } finally {
      await client.query('RESET lock_timeout').catch(() => undefined);
      client.release();
    }
  }
}

/** Whether the log is partitioned: not before its migrations have all run. */
async function partitioned(client: PoolClient): Promise<boolean> {
  const [table] = (
    await client.query<{ kind: string }>(
      `SELECT relkind AS kind FROM pg_class WHERE oid = to_regclass('status_bus_entries')`,
    )
  ).rows;
  return table?.kind === 'p';
}

/** Adds the partitions of `days` days from the day of `firstMs` that none covers; how many. */
async function addDays(client: PoolClient, firstMs: number, days: number): Promise<number> {
  const [row] = (
    await client.query<{ added: number }>(
      'SELECT status_bus_entries_add_days(to_timestamp($1::float8 / 1000), $2) AS added',
      [firstMs, days],
    )
  ).rows;
  return row?.added ?? 0;
}
