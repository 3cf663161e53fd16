import { Logger } from '@nestjs/common';
import { createWriteStream } from 'node:fs';
import { mkdir, rename } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import type { PoolClient } from 'pg';
import type { ResolvedRetention } from '../../retention/retention-options';
import type { RetentionHook } from '../sql-port';
import { archiveFileName, fileSha256, StatusArchiveHeader } from '../../retention/status-archive';
import type { PartitionsReport } from './log-partitions';
import { COLUMNS, EntryRow, toEntry } from './postgres-entry-row';

/** Rows read per query while a partition is archived. */
const PAGE = 5000;
/** A partition of the log and its first position (null: from the start). */
interface Partition {
  name: string;
  from: number | null;
}

/**
 * Retention on the partitioned log: drops whole partitions once the log had moved past them
 * before the horizon, each written first as a gzip JSONL archive chained to the one before,
 * when `archiveDir` asks for it. Run by the maintenance pass, under its lock.
 */
export class PartitionRetention {
  /** Partitions dropped and their rows, since start. */
  readonly dropped = { partitions: 0, rows: 0 };
  private readonly logger = new Logger('StatusBus');

  constructor(
    private readonly retention: ResolvedRetention,
    private readonly clock: () => number,
    /** What the parts beside the log remove of their own (`SqlPort.onRetention`). */
    private readonly hooks: ReadonlySet<RetentionHook>,
  ) {}

  /**
   * Drops (each archived first, when asked) the partitions the log had moved past before the
   * horizon, and what is kept beside the log that was untouched since; answers whether it
   * dropped any.
   */
  async prune(client: PoolClient, report: PartitionsReport): Promise<boolean> {
    const retention = this.retention;
    const horizon = new Date(this.clock() - retention.keepMs);
    // The partitions the log had moved past by a sample taken before the horizon: all their
    // entries were stored before it. Strictly before: an entry stored at the horizon itself is
    // still inside what `keep` keeps.
    const expired = (
      await client.query<Partition>(
        `SELECT name, from_seq::float8 AS "from" FROM status_bus_entries_partitions()
          WHERE to_seq - 1 <= (SELECT seq FROM status_bus_positions WHERE at < $1
                                ORDER BY at DESC LIMIT 1)
          ORDER BY to_seq`,
        [horizon],
      )
    ).rows;
    for (const partition of expired) {
      // One read for the report and the archive's header both.
      const [span] = (
        await client.query<{
          rows: string;
          first: string | null;
          last: string | null;
          oldest: Date | null;
          newest: Date | null;
        }>(
          `SELECT count(*) AS rows, min(seq) AS first, max(seq) AS last,
                  min(ts) AS oldest, max(ts) AS newest
             FROM ${client.escapeIdentifier(partition.name)}`,
        )
      ).rows;
      const rows = Number(span?.rows ?? 0);
      const archive = retention.archiveDir
        ? await this.archive(client, partition, retention.archiveDir, {
            archive: 1,
            partition: partition.name,
            from: span?.oldest?.toISOString() ?? null,
            to: span?.newest?.toISOString() ?? null,
            rows,
            firstSeq: Number(span?.first ?? 0),
            lastSeq: Number(span?.last ?? 0),
            previous: null,
          })
        : undefined;
      await this.detach(client, partition.name);
      await client.query(`DROP TABLE ${client.escapeIdentifier(partition.name)}`);
      this.dropped.partitions += 1;
      this.dropped.rows += rows;
      report.dropped.push({ partition: partition.name, rows, ...(archive && { archive }) });
      this.logger.log(
        `Retention dropped ${partition.name} (${rows} entries, stored before ${horizon.toISOString()})` +
          (archive ? `, archived to ${archive}` : ''),
      );
    }
    // What the parts keep beside the log follows its horizon; each part says what that is.
    for (const hook of this.hooks) await hook(horizon);
    return expired.length > 0;
  }

  /** Detaches without blocking appends; finishes a detach an earlier pass left half done. */
  private async detach(client: PoolClient, name: string): Promise<void> {
    const partition = client.escapeIdentifier(name);
    try {
      await client.query(
        `ALTER TABLE status_bus_entries DETACH PARTITION ${partition} CONCURRENTLY`,
      );
    } catch (err) {
      if (!pendingDetach(err)) throw err;
      await client.query(`ALTER TABLE status_bus_entries DETACH PARTITION ${partition} FINALIZE`);
    }
  }

  /** Writes a partition as a gzip JSONL archive chained to the previous one; its path. */
  private async archive(
    client: PoolClient,
    partition: Partition,
    dir: string,
    header: StatusArchiveHeader,
  ): Promise<string> {
    const path = join(dir, archiveFileName(partition.from ?? 0, partition.name));
    // Archived by an earlier pass that failed before the drop (a detach that timed out, say):
    // that archive stands, already in the chain.
    const [done] = (
      await client.query<{ sha256: string }>(
        'SELECT sha256 FROM status_bus_archives WHERE partition = $1 AND file = $2',
        [partition.name, path],
      )
    ).rows;
    if (done && (await fileSha256(path).catch(() => undefined)) === done.sha256) return path;
    // The archive before it in log order, as verification reads them (by file name, which
    // sorts by first position): never this one's own, and not found by last_seq, which an
    // empty partition's archive has as 0.
    const [last] = (
      await client.query<{ sha256: string }>(
        `SELECT sha256 FROM status_bus_archives
          WHERE regexp_replace(file, '^.*/', '') < $1
          ORDER BY regexp_replace(file, '^.*/', '') DESC LIMIT 1`,
        [basename(path)],
      )
    ).rows;
    header.previous = last?.sha256 ?? null;
    const table = client.escapeIdentifier(partition.name);
    await mkdir(dir, { recursive: true });
    const partial = `${path}.partial`;
    async function* lines(): AsyncGenerator<string> {
      yield `${JSON.stringify(header)}\n`;
      let after = 0;
      for (;;) {
        const page = (
          await client.query<EntryRow>(
            `SELECT ${COLUMNS} FROM ${table} WHERE seq > $1 ORDER BY seq LIMIT ${PAGE}`,
            [after],
          )
        ).rows;
        for (const row of page) yield `${JSON.stringify(toEntry(row).toJSON())}\n`;
        if (page.length < PAGE) return;
        after = Number(page.at(-1)!.seq);
      }
    }
    // A pipeline, so that a file that cannot be opened or written (no permission, a full or
    // read-only disk, a directory in its place) fails this pass, which is retried, rather than
    // erroring on a stream nobody listens to, which would end the process.
    await pipeline(lines(), createGzip(), createWriteStream(partial));
    await rename(partial, path);
    await client.query(
      `INSERT INTO status_bus_archives (partition, file, sha256, rows, first_seq, last_seq)
       VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (partition) DO UPDATE SET file = EXCLUDED.file, sha256 = EXCLUDED.sha256`,
      [partition.name, path, await fileSha256(path), header.rows, header.firstSeq, header.lastSeq],
    );
    return path;
  }
}

/**
 * Whether a detach failed because an earlier one was left half done (PostgreSQL says so in the
 * message, and names FINALIZE only in its hint).
 */
function pendingDetach(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const { hint } = err as { hint?: unknown };
  return /pending detach/.test(err.message) || (typeof hint === 'string' && /FINALIZE/.test(hint));
}
