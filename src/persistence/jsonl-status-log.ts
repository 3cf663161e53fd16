import { Logger } from '@nestjs/common';
import { createReadStream } from 'node:fs';
import { FileHandle, mkdir, open, readdir, rename, stat, unlink } from 'node:fs/promises';
import { basename, dirname, extname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { StatusEntry, StatusEntryContext } from '../entry/status-entry';
import type { StatusJournal } from '../log/status-journal';
import type { ResolvedJsonlRotation } from './jsonl-rotation';

/**
 * The JSONL file of a bus: one wire-form line per stored entry, in log order. Written one
 * batch at a time by the single writer, so lines never interleave or reorder; read back at
 * start so history survives a restart.
 *
 * With rotation, a full file (by size, or at the turn of a UTC day) is renamed beside it with
 * the time it was rotated (`status.2026-11-27T23-59-59.123Z.jsonl`), and a new one begins: the
 * names sort in log order, and the read-back at start goes through them all, oldest first.
 */
export class JsonlStatusLog implements StatusJournal {
  private file: FileHandle | undefined;
  private readonly logger = new Logger('StatusBus');
  /** Bytes in the current file, and the UTC day it was begun or last written on. */
  private size = 0;
  private day = '';

  /** The name of a rotated file of this log: its time, and a count when several share it. */
  private readonly rotatedName: RegExp;

  constructor(
    readonly path: string,
    private readonly context: StatusEntryContext = {},
    private readonly rotation?: ResolvedJsonlRotation,
  ) {
    const [stem, ext] = this.nameParts();
    this.rotatedName = new RegExp(
      `^${escapeRegExp(stem)}\\.(${STAMP})(?:~(\\d{4}))?${escapeRegExp(ext)}$`,
    );
  }

  /**
   * Reads every entry in the rotated files and the current one, oldest first. A line that does
   * not parse or validate (a crash cut it short, someone edited the file) is skipped with a
   * warning naming its file and line number.
   */
  async readAll(): Promise<StatusEntry[]> {
    const entries: StatusEntry[] = [];
    for (const path of [...(await this.rotated()), this.path]) {
      await this.readFile(path, entries);
    }
    return entries;
  }

  /**
   * Appends one line per entry, with a single write unless the file must rotate: before the
   * batch when the day turned, and wherever the next line would take it past `maxBytes`.
   */
  async append(entries: readonly StatusEntry[]): Promise<void> {
    if (entries.length === 0) return;
    if (!this.file) await this.openForAppend();
    if (this.rotation?.daily && this.size > 0 && utcDay(this.now()) !== this.day) {
      await this.rotate();
    }
    const maxBytes = this.rotation?.maxBytes ?? Infinity;
    let text = '';
    let bytes = 0;
    for (const entry of entries) {
      const line = JSON.stringify(entry) + '\n';
      const size = Buffer.byteLength(line);
      if (this.size + bytes + size > maxBytes && this.size + bytes > 0) {
        await this.write(text, bytes);
        await this.rotate();
        text = '';
        bytes = 0;
      }
      text += line;
      bytes += size;
    }
    await this.write(text, bytes);
  }

  private async write(text: string, bytes: number): Promise<void> {
    if (bytes === 0) return;
    const file = this.file ?? (await this.openForAppend());
    await file.write(text);
    this.size += bytes;
    this.day = utcDay(this.now());
  }

  /** The rotated files, oldest first. */
  private async rotated(): Promise<string[]> {
    if (!this.rotation) return [];
    const dir = dirname(this.path);
    const names = await readdir(dir).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return [] as string[];
      throw err;
    });
    // Only names this log gives its files: another log beside it (`status.audit.jsonl`) is
    // neither read as this one's history nor deleted by its rotation.
    return names
      .filter((n) => this.rotatedName.test(n))
      .sort()
      .map((n) => join(dir, n));
  }

  private nameParts(): [stem: string, ext: string] {
    const ext = extname(this.path);
    return [basename(this.path, ext), ext];
  }

  /**
   * Renames the current file with the time, deleting the oldest beyond `keepFiles`; the next
   * write opens a new one.
   */
  private async rotate(): Promise<void> {
    await this.close();
    const [stem, ext] = this.nameParts();
    const stamp = new Date(this.now()).toISOString().replace(/:/g, '-');
    const files = await this.rotated();
    const newest = files.length > 0 ? basename(files.at(-1)!) : undefined;
    let name = `${stem}.${stamp}${ext}`;
    // The name must sort after every rotated file, or the read-back would put this file's lines
    // before older ones and rotation would delete it first: when the clock stood still (several
    // rotations in one millisecond, a name freed by deleting the oldest) or went back, the
    // newest name's time is kept with the next count ('~' sorts after the '.' of a plain name).
    if (newest !== undefined && name <= newest) {
      const [, time, count] = this.rotatedName.exec(newest)!;
      name = `${stem}.${time}~${String(Number(count ?? 0) + 1).padStart(4, '0')}${ext}`;
    }
    await rename(this.path, join(dirname(this.path), name));
    // The next line starts a new file: a size left from the old one would rotate again, with no
    // file to rename (a daily rotation followed by a size check failed every append so).
    this.size = 0;
    const keep = this.rotation!.keepFiles;
    if (keep !== undefined) {
      const kept = await this.rotated();
      for (const old of kept.slice(0, Math.max(0, kept.length - keep))) await unlink(old);
    }
  }

  private now(): number {
    return this.context.clock?.() ?? Date.now();
  }

  private async readFile(path: string, entries: StatusEntry[]): Promise<void> {
    if (!(await exists(path))) return;
    const stream = createReadStream(path, { encoding: 'utf8' });
    const lines = createInterface({ input: stream, crlfDelay: Infinity });
    let lineNumber = 0;
    for await (const line of lines) {
      lineNumber += 1;
      if (line.trim() === '') continue;
      try {
        entries.push(StatusEntry.fromJSON(JSON.parse(line), this.context));
      } catch (err) {
        this.logger.warn(`Skipped line ${lineNumber} of ${path}: ${(err as Error).message}`);
      }
    }
  }

  /**
   * Opens the file for appending. If a crash cut the last line short, a newline ends it first,
   * so the damage stays confined to that one line.
   */
  private async openForAppend(): Promise<FileHandle> {
    this.size = 0;
    await mkdir(dirname(this.path), { recursive: true });
    const file = await open(this.path, 'a+');
    const { size, mtimeMs } = await file.stat();
    this.size = size;
    // A file carried over from before a restart belongs to the day it was last written.
    this.day = utcDay(size > 0 ? mtimeMs : this.now());
    if (size > 0) {
      const last = Buffer.alloc(1);
      await file.read(last, 0, 1, size - 1);
      if (last[0] !== 0x0a) {
        await file.write('\n');
        this.size += 1;
      }
    }
    this.file = file;
    return file;
  }

  async close(): Promise<void> {
    const file = this.file;
    this.file = undefined;
    await file?.close();
  }
}

/** The time in a rotated file's name: an ISO timestamp with '-' for ':'. */
const STAMP = '\\d{4}-\\d{2}-\\d{2}T\\d{2}-\\d{2}-\\d{2}\\.\\d{3}Z';

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function utcDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
}
