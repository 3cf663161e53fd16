import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { createInterface } from 'node:readline';
import { createGunzip } from 'node:zlib';
import { StatusEntry, StatusEntryJson } from '../entry/status-entry';
import { StatusBusError } from '../errors/status-bus.errors';

/** The first line of an archive: what it holds and the archive before it. */
export interface StatusArchiveHeader {
  archive: 1;
  /** The partition it was, and the times (`ts`) of its oldest and newest entries (null when none). */
  partition: string;
  from: string | null;
  to: string | null;
  /** How many entries follow, and their first and last positions (0 when none). */
  rows: number;
  firstSeq: number;
  lastSeq: number;
  /** SHA-256 (hex) of the previous archive's file; null for the first. */
  previous: string | null;
}

/** An archive is missing, edited or out of order, or is not an archive. */
export class StatusArchiveError extends StatusBusError {}

/**
 * The file name of a partition's archive, from the partition's first position: sorting the names
 * sorts the archives in log order.
 */
export function archiveFileName(from: number, partition: string): string {
  return `status-bus-${String(from).padStart(19, '0')}-${partition}.jsonl.gz`;
}

/** SHA-256 (hex) of a file's bytes. */
export async function fileSha256(path: string): Promise<string> {
  return createHash('sha256')
    .update(await readFile(path))
    .digest('hex');
}

/**
 * The header of an archive, then its entries, oldest first: a gzip JSONL file written by
 * retention. (`zcat file | tail -n +2` gives the entries in the wire form without this.)
 */
export async function* readStatusArchive(
  path: string,
): AsyncGenerator<StatusArchiveHeader | StatusEntry> {
  const lines = createInterface({ input: createReadStream(path).pipe(createGunzip()) });
  let header: StatusArchiveHeader | undefined;
  for await (const line of lines) {
    if (line === '') continue;
    const value = JSON.parse(line) as StatusArchiveHeader | StatusEntryJson;
    if (!header) {
      if ((value as StatusArchiveHeader).archive !== 1) {
        throw new StatusArchiveError(`${path} is not a status bus archive: no header`);
      }
      header = value as StatusArchiveHeader;
      yield header;
    } else {
      yield StatusEntry.fromJSON(value);
    }
  }
}

/** What the database records of an archive it had written (`status_bus_archives`). */
export interface StatusArchiveRecord {
  /** The archive's path when written; only its file name is compared. */
  file: string;
  sha256: string;
}

/** What {@link verifyStatusArchives} checks the files against, beyond their own chain. */
export interface VerifyStatusArchivesOptions {
  /**
   * What the database recorded of each archive (`PostgresStatusBackend.archiveRecords()`):
   * then every recorded archive must be there with the recorded hash, so the newest one, which
   * no later archive names, cannot be deleted or edited unnoticed either.
   */
  recorded?: readonly StatusArchiveRecord[];
}

/** What {@link verifyStatusArchives} checked. */
export interface StatusArchivesReport {
  files: string[];
  entries: number;
  firstSeq: number;
  lastSeq: number;
}

/**
 * Checks the archives in `dir` as one chain: each names the SHA-256 of the one before it, holds
 * as many entries as its header says, in increasing positions, each after the previous
 * archive's last. With `recorded` (what the database says it wrote), each recorded archive must
 * be there, unchanged, the newest too. Throws {@link StatusArchiveError} naming the first file
 * that breaks it (one missing, edited, reordered, truncated or not an archive at all).
 * @example
 * await verifyStatusArchives('/mnt/status-archives', {
 *   recorded: await backend.archiveRecords(), // the PostgresStatusBackend (STATUS_BACKEND)
 * });
 */
export async function verifyStatusArchives(
  dir: string,
  options: VerifyStatusArchivesOptions = {},
): Promise<StatusArchivesReport> {
  const files = (await readdir(dir)).filter((f) => f.endsWith('.jsonl.gz')).sort();
  const recorded = new Map(options.recorded?.map((r) => [basename(r.file), r.sha256]));
  for (const name of recorded.keys()) {
    if (!files.includes(name)) {
      throw new StatusArchiveError(`${name} is recorded in the database but missing from ${dir}`);
    }
  }
  let previous: string | null = null;
  let lastSeq = 0;
  let firstSeq = 0;
  let entries = 0;
  for (const file of files) {
    const path = join(dir, file);
    const report = await verifyFile(file, path, previous, lastSeq).catch((err: unknown) => {
      if (err instanceof StatusArchiveError) throw err;
      // A truncated or flipped gzip stream, a line that is not JSON: said with the file's name.
      throw new StatusArchiveError(
        `${file} cannot be read as an archive: ${err instanceof Error ? err.message : String(err)}`,
      );
    });
    previous = await fileSha256(path);
    const expected = recorded.get(file);
    if (expected !== undefined && expected !== previous) {
      throw new StatusArchiveError(
        `${file} is not the archive the database recorded: it was edited`,
      );
    }
    entries += report.rows;
    firstSeq ||= report.firstSeq;
    // An empty partition's archive moves no position on.
    lastSeq = report.lastSeq || lastSeq;
  }
  return { files, entries, firstSeq, lastSeq };
}

/** Checks one archive after `previous` (its hash) and position `after`: what it holds. */
async function verifyFile(
  file: string,
  path: string,
  previous: string | null,
  after: number,
): Promise<{ rows: number; firstSeq: number; lastSeq: number }> {
  let lastSeq = after;
  let firstSeq = 0;
  let header: StatusArchiveHeader | undefined;
  let rows = 0;
  for await (const item of readStatusArchive(path)) {
    if (!header) {
      header = item as StatusArchiveHeader;
      if (header.previous !== previous) {
        throw new StatusArchiveError(
          `${file} does not follow the archive before it: it names ${header.previous ?? 'none'}, ` +
            `the one before is ${previous ?? 'none'} (an archive is missing, edited or reordered)`,
        );
      }
      continue;
    }
    const seq = (item as StatusEntry).seq!;
    if (seq <= lastSeq) {
      throw new StatusArchiveError(`${file}: position ${seq} does not follow ${lastSeq}`);
    }
    lastSeq = seq;
    firstSeq ||= seq;
    rows += 1;
  }
  if (!header || rows !== header.rows) {
    throw new StatusArchiveError(
      `${file} holds ${rows} entries where its header says ${header?.rows ?? 'nothing'}`,
    );
  }
  return { rows, firstSeq, lastSeq: rows > 0 ? lastSeq : 0 };
}
