import { describeValue } from '../errors/describe-value';
import { fail, positiveInteger } from '../util/option-checks';

/** How long the log keeps entries, and what happens to those it lets go. */
export interface StatusRetentionOptions {
  /**
   * How long an entry is kept: `'30 days'`, `'12 hours'`, `'2 weeks'`, or milliseconds. On
   * PostgreSQL, a whole partition (about a day of appends) is dropped once the log had moved
   * past its last position longer ago than this.
   */
  keep: string | number;
  /**
   * A folder where each dropped partition is first written as gzip JSONL (the wire form, one
   * entry per line after a header), chained by SHA-256 so that a missing or edited archive is
   * detected (`verifyStatusArchives`). Shared storage when instances run on several machines.
   */
  archiveDir?: string;
  /**
   * How often an instance checks for partitions to drop (one instance at a time does it).
   * @default 3600000 (an hour)
   */
  checkEveryMs?: number;
}

/** Retention with its duration in milliseconds and its defaults applied. */
export interface ResolvedRetention {
  keepMs: number;
  archiveDir: string | undefined;
  checkEveryMs: number;
}

const UNITS: Record<string, number> = {
  minute: 60_000,
  hour: 3_600_000,
  day: 86_400_000,
  week: 604_800_000,
};

/** Checks `retention`, naming what is wrong; `undefined` when it is off. */
export function resolveRetention(retention: unknown): ResolvedRetention | undefined {
  if (retention === undefined) return undefined;
  if (typeof retention !== 'object' || retention === null) {
    fail(
      'retention',
      `must be an object such as { keep: '30 days' }, got ${describeValue(retention)}`,
    );
  }
  const { keep, archiveDir, checkEveryMs } = retention as StatusRetentionOptions;
  if (archiveDir !== undefined && (typeof archiveDir !== 'string' || archiveDir === '')) {
    fail('retention.archiveDir', `must be a non-empty path, got ${describeValue(archiveDir)}`);
  }
  return {
    keepMs: durationMs(keep),
    archiveDir,
    checkEveryMs: positiveInteger('retention.checkEveryMs', checkEveryMs, 3_600_000),
  };
}

function durationMs(keep: unknown): number {
  if (typeof keep === 'number' && Number.isSafeInteger(keep) && keep > 0) return keep;
  const match =
    typeof keep === 'string' ? /^\s*(\d+)\s*(minute|hour|day|week)s?\s*$/.exec(keep) : null;
  if (!match) {
    fail(
      'retention.keep',
      `must be a duration such as '30 days', '12 hours' or '2 weeks', or milliseconds, got ${describeValue(keep)}`,
    );
  }
  return Number(match[1]) * UNITS[match[2]!]!;
}
