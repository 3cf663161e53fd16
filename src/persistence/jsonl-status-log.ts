import { Logger } from '@nestjs/common';
import { createReadStream } from 'node:fs';
import { FileHandle, mkdir, open, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { createInterface } from 'node:readline';
import { StatusEntry, StatusEntryContext } from '../entry/status-entry';

/**
 * The JSONL file of a bus: one wire-form line per stored entry, in log order. Written one
 * batch at a time by the single writer, so lines never interleave or reorder; read back at
 * start so history survives a restart.
 */
export class JsonlStatusLog {
  private file: FileHandle | undefined;
  private readonly logger = new Logger('StatusBus');

  constructor(
    readonly path: string,
    private readonly context: StatusEntryContext = {},
  ) {}

  /**
   * Reads every entry in the file. A line that does not parse or validate (a crash cut it
   * short, someone edited the file) is skipped with a warning naming its line number.
   */
  async readAll(): Promise<StatusEntry[]> {
    const entries: StatusEntry[] = [];
    try {
      await stat(this.path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return entries;
      throw err;
    }
    const stream = createReadStream(this.path, { encoding: 'utf8' });
    const lines = createInterface({ input: stream, crlfDelay: Infinity });
    let lineNumber = 0;
    for await (const line of lines) {
      lineNumber += 1;
      if (line.trim() === '') continue;
      try {
        entries.push(StatusEntry.fromJSON(JSON.parse(line), this.context));
      } catch (err) {
        this.logger.warn(`Skipped line ${lineNumber} of ${this.path}: ${(err as Error).message}`);
      }
    }
    return entries;
  }

  /** Appends one line per entry with a single write. */
  async append(entries: readonly StatusEntry[]): Promise<void> {
    if (entries.length === 0) return;
    const file = this.file ?? (await this.openForAppend());
    let text = '';
    for (const entry of entries) text += JSON.stringify(entry) + '\n';
    await file.write(text);
  }

  /**
   * Opens the file for appending. If a crash cut the last line short, a newline ends it first,
   * so the damage stays confined to that one line.
   */
  private async openForAppend(): Promise<FileHandle> {
    await mkdir(dirname(this.path), { recursive: true });
    const file = await open(this.path, 'a+');
    const { size } = await file.stat();
    if (size > 0) {
      const last = Buffer.alloc(1);
      await file.read(last, 0, 1, size - 1);
      if (last[0] !== 0x0a) await file.write('\n');
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
