import { Logger } from '@nestjs/common';
import type { Pool, PoolClient } from 'pg';
import type { ResolvedRetention } from '../../retention/retention-options';
import type { RetentionHook } from '../sql-port';
import type { StatusMaintenance } from '../status-backend';
import { PartitionRetention } from './partition-retention';

const HOUR = 3_600_000;
const DAY = 86_400_000;
/** Widths of positions kept ready beyond the newest one. */
const AHEAD = 2;
/**
 * The fewest positions a partition holds when its size follows the traffic: a quiet bus would
 * otherwise add a partition for every few entries, and every partition costs the reads that
 * cannot skip it.
 */
const MIN_WIDTH = 10_000;
/** How long samples of the newest position are kept without retention (they bound the search for duplicates). */
const SAMPLES_KEPT_MS = 2 * DAY;
/** Longest wait before a failed pass is tried again. */
const RETRY_MS = 60_000;
/** 'sBuT': the advisory lock of the maintenance, beside the appends' 'sBuS'. */
const LOCK = 1937072468;

/** What one pass of the maintenance did. */
export interface PartitionsReport {
  /** False when the log is not partitioned (its migrations have not all run). */
  partitioned: boolean;
  /** False when another instance held the maintenance at the time. */
  ran: boolean;
  added: number;
  dropped: { partition: string; rows: number; archive?: string }[];
}

/** Whether an append failed for want of a partition for some of its positions. */
export function isMissingPartition(err: unknown): boolean {
  return (
    (err as { code?: string }).code === '23514' &&
    err instanceof Error &&
    err.message.includes('no partition of relation')
  );
}

/**
 * Keeps the partitions of the log, which is partitioned by position:
 *
 * - two partitions' worth of positions ready beyond the newest one, each partition about a day
 *   of appends (as measured from the samples below, at least 10,000) unless a size is set;
 * - a sample of the newest position at each pass (`status_bus_positions`): the append looks for
 *   duplicates of a batch only above the position of the sample taken before the batch was
 *   made, and retention reads from them when the log moved past the end of a partition;
 * - with retention, drops the partitions the log had moved past before the horizon (each
 *   archived first when asked), with the voice checkpoints and A2A tasks untouched since.
 *
 * One instance at a time does it (an advisory lock); partitions are attached and detached
 * concurrently, so appends never wait on it for longer than its `lock_timeout`.
 *
 * @internal the PostgreSQL backend runs it, and answers `maintain()` from it
 */
export class LogPartitions {
  private readonly logger = new Logger('StatusBus');
  private timer: NodeJS.Timeout | undefined;
  /** A pass soon after a failed one, rather than at the next scheduled pass. */
  private retry: NodeJS.Timeout | undefined;
  /** How the passes go: failures since start and in a row, and the last one's words. */
  readonly maintenance: StatusMaintenance = { failedPasses: 0, failingInARow: 0 };
  private running: Promise<unknown> | undefined;
  /** Drops what retention no longer keeps; none without retention. */
  private readonly retire: PartitionRetention | undefined;
  /**
   * Where reads of the newest entries start: the first position of the partition before the
   * one that held the newest position at the last pass. A read that finds too few there reads
   * on below it, so this only spares the partitions it need not open.
   */
  floor = 0;
  /** The first position no partition holds yet (at the last look), and the width added last. */
  private ready = { until: Infinity, width: MIN_WIDTH };
  private extending: Promise<unknown> | undefined;
  private stopped = false;

  /**
   * @param hooks what the parts that keep tables beside the log remove with each pass
   * @param size positions per partition; by default about a day of appends, at least 10,000
   */
  constructor(
    private readonly pool: () => Pool,
    private readonly clock: () => number,
    private readonly retention: ResolvedRetention | undefined,
    hooks: ReadonlySet<RetentionHook>,
    private readonly size?: number,
  ) {
    this.retire = retention && new PartitionRetention(retention, clock, hooks);
  }

  /** Partitions dropped and their rows, since start. */
  get dropped(): { partitions: number; rows: number } {
    return this.retire?.dropped ?? { partitions: 0, rows: 0 };
  }

  /** Makes sure partitions are ready ahead, then maintains on a schedule. */
  async start(): Promise<void> {
    await this.withClient(async (client) => {
      if (!(await partitioned(client))) return;
      await this.addAhead(client);
    });
    const every = this.retention?.checkEveryMs ?? HOUR;
    this.timer = setInterval(() => void this.maintain(), every);
    this.timer.unref();
    void this.maintain();
  }

  /**
   * Told of each append's newest position: once fewer than two widths lie ready beyond it, adds
   * partitions in the background (the threshold at which `status_bus_entries_add` adds one),
   * wider if appends came faster than the width foresaw. The width still ready covers the
   * appends made while the partition is added, so a burst never finds the log without room.
   */
  appended(position: number): void {
    if (position < this.ready.until - AHEAD * this.ready.width || this.extending) return;
    this.extending = this.withClient((client) => this.addAhead(client, true))
      .catch((err: unknown) => {
        this.logger.error(
          `Adding partitions ahead failed: ${err instanceof Error ? err.message : String(err)}`,
        );
      })
      .finally(() => (this.extending = undefined));
  }

  /**
   * Adds partitions after an append of `count` entries found none for its positions (one batch
   * outran the partitions kept ready), and logs it. Errors are logged, not thrown.
   */
  async cover(count: number): Promise<void> {
    try {
      const added = await this.withClient((client) => this.addAhead(client, true, count));
      this.logger.warn(`Appends outran the partitions kept ready: added ${added}.`);
    } catch (err) {
      this.logger.error(
        `Adding partitions for entries failed: ${err instanceof Error ? err.message : String(err)}`,
      );
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    clearTimeout(this.retry);
    await this.running?.catch(() => undefined);
    await this.extending;
  }

  /**
   * One pass: a sample of the newest position, partitions ahead, then retention; after the pass
   * under way, if any. Errors are logged and answered as `undefined`; the next pass tries again.
   */
  maintain(): Promise<PartitionsReport | undefined> {
    const pass = (this.running ?? Promise.resolve())
      .catch(() => undefined)
      .then(() => this.pass())
      .then(
        (report) => {
          this.maintenance.failingInARow = 0;
          this.maintenance.lastError = undefined;
          return report;
        },
        (err: unknown) => {
          const message = err instanceof Error ? err.message : String(err);
          this.maintenance.failedPasses += 1;
          this.maintenance.failingInARow += 1;
          this.maintenance.lastError = message;
          const every = Math.min(this.retention?.checkEveryMs ?? HOUR, RETRY_MS);
          this.logger.error(`Partition maintenance failed (${message}); retrying in ${every} ms.`);
          clearTimeout(this.retry);
          if (!this.stopped) {
            this.retry = setTimeout(() => void this.maintain(), every);
            this.retry.unref();
          }
          return undefined;
        },
      );
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
      if (!lock?.locked) {
        await this.look(client);
        return report;
      }
      report.ran = true;
      try {
        const now = this.clock();
        await client.query(
          `INSERT INTO status_bus_positions (at, seq)
           VALUES (to_timestamp($1::float8 / 1000), ${HEAD})
           ON CONFLICT (at) DO UPDATE SET seq = greatest(status_bus_positions.seq, EXCLUDED.seq)`,
          [now],
        );
        report.added = await this.addAhead(client);
        if (this.retire && (await this.retire.prune(client, report))) await this.look(client);
        // The newest sample from before the horizon stays: retention reads it.
        const kept = now - Math.max(this.retention?.keepMs ?? 0, SAMPLES_KEPT_MS);
        await client.query(
          `DELETE FROM status_bus_positions WHERE at < (
             SELECT max(at) FROM status_bus_positions WHERE at <= to_timestamp($1::float8 / 1000))`,
          [kept],
        );
      } finally {
        await client.query(
          `SELECT pg_advisory_unlock($1, 'status_bus_entries'::regclass::oid::int)`,
          [LOCK],
        );
      }
      return report;
    });
  }

  /**
   * Adds partitions until two widths (and room for a batch of `batch` entries) lie ready beyond
   * the newest position; how many. `burst`: appends outran the width, which then grows to what
   * was appended since the last sample.
   */
  private async addAhead(client: PoolClient, burst = false, batch = 0): Promise<number> {
    let width = this.size ?? (await this.dailyWidth(client));
    if (burst && this.size === undefined) width = Math.max(width, await this.sinceSample(client));
    const [row] = (
      await client.query<{ added: number }>('SELECT status_bus_entries_add($1, $2) AS added', [
        width,
        AHEAD + Math.ceil(batch / width),
      ])
    ).rows;
    this.ready.width = width;
    await this.look(client);
    return row?.added ?? 0;
  }

  /**
   * About a day of appends, from the oldest sample of the last day (at least an hour old),
   * rounded up to two significant digits; at least {@link MIN_WIDTH}.
   */
  private async dailyWidth(client: PoolClient): Promise<number> {
    const now = this.clock();
    const [sample] = (
      await client.query<{ at: Date; seq: string; head: string }>(
        `SELECT at, seq, ${HEAD} AS head FROM status_bus_positions
          WHERE at >= to_timestamp($1::float8 / 1000) AND at <= to_timestamp($2::float8 / 1000)
          ORDER BY at LIMIT 1`,
        [now - DAY, now - HOUR],
      )
    ).rows;
    if (!sample) return MIN_WIDTH;
    const perDay = ((Number(sample.head) - Number(sample.seq)) * DAY) / (now - sample.at.getTime());
    return roundUp(Math.max(MIN_WIDTH, perDay));
  }

  /** Positions handed out since the newest sample. */
  private async sinceSample(client: PoolClient): Promise<number> {
    const [row] = (
      await client.query<{ count: string }>(
        `SELECT ${HEAD} - COALESCE((SELECT seq FROM status_bus_positions ORDER BY at DESC LIMIT 1), 0) AS count`,
      )
    ).rows;
    return roundUp(Math.max(MIN_WIDTH, Number(row?.count ?? 0)));
  }

  /** Reads where the newest partitions start (`floor`) and where the ready ones end. */
  private async look(client: PoolClient): Promise<void> {
    const [row] = (
      await client.query<{ floor: string | null; until: string | null }>(
        `WITH p AS (SELECT from_seq, to_seq FROM status_bus_entries_partitions())
         SELECT COALESCE(max(from_seq) FILTER (
                  WHERE to_seq <= (SELECT min(from_seq) FROM p WHERE to_seq > ${HEAD})), 0) AS floor,
                max(to_seq) AS until
           FROM p`,
      )
    ).rows;
    this.floor = Number(row?.floor ?? 0);
    this.ready.until = Number(row?.until ?? Infinity);
  }

  private async withClient<T>(work: (client: PoolClient) => Promise<T>): Promise<T> {
    const client = await this.pool().connect();
    // A connection cut while checked out (the server restarting, an administrator) emits
    // 'error', which with no listener would end the process; the query under way fails with it
    // too, and the connection goes back to the pool as broken, to be discarded.
    let broken: Error | undefined;
    const onError = (err: Error) => (broken = err);
    client.on('error', onError);
    try {
      // Never queue appends behind a lock this maintenance waits for.
      await client.query(`SET lock_timeout = '5s'`);
      return await work(client);
    } finally {
      if (!broken) await client.query('RESET lock_timeout').catch((err: Error) => (broken = err));
      client.off('error', onError);
      client.release(broken);
    }
  }
}

/**
 * The newest position handed out (committed or not): every append that takes the append lock
 * after it is read stores its entries above it.
 */
const HEAD = `COALESCE(pg_sequence_last_value(pg_get_serial_sequence('status_bus_entries', 'seq')::regclass), 0)`;

/** `value` rounded up to two significant digits. */
function roundUp(value: number): number {
  const unit = 10 ** Math.max(0, Math.floor(Math.log10(value)) - 1);
  return Math.ceil(value / unit) * unit;
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
