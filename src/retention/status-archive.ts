import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
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
 * archive's last. Throws {@link StatusArchiveError} naming the first file that breaks it (one
 * missing, edited or reordered).
 */
export async function verifyStatusArchives(dir: string): Promise<StatusArchivesReport> {
  const files = (await readdir(dir)).filter((f) => f.endsWith('.jsonl.gz')).sort();
  let previous: string | null = null;
  let lastSeq = 0;
  let firstSeq = 0;
  let entries = 0;
  for (const file of files) {
    const path = join(dir, file);
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
    entries += rows;
    previous = await fileSha256(path);
  }
  return { files, entries, firstSeq, lastSeq };
}
