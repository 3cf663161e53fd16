import { Logger } from '@nestjs/common';
import type { Redis } from 'ioredis';
import type { ResolvedRetention } from '../../retention/retention-options';
import type { StatusMaintenance } from '../status-backend';
import type { Connection } from './redis-connection';
import type { RedisKeys } from './redis-keys';

/** Entries a trim script removes before it answers, for the same reason. */
const TRIM_BUDGET = 1000;

/**
 * Retention on Redis: trims the stream, with its indexes, by age (`retention.keep`) and by count
 * (`maxEntries`), on a timer, and counts what it removed and how its passes went.
 */
export class RedisTrimming {
  /** Entries removed since start. */
  trimmed = 0;
  private timer: NodeJS.Timeout | undefined;
  private pass: Promise<void> | undefined;
  private readonly upkeep: StatusMaintenance = { failedPasses: 0, failingInARow: 0 };
  private readonly logger = new Logger('StatusBus');

  constructor(
    private readonly writer: () => Connection,
    private readonly keys: RedisKeys,
    private readonly retention: ResolvedRetention | undefined,
    private readonly maxEntries: number | undefined,
  ) {}

  /** Starts the timer, when there is anything to trim by. */
  start(): void {
    if (!this.retention && this.maxEntries === undefined) return;
    this.timer = setInterval(() => void this.trim(), this.retention?.checkEveryMs ?? 60_000);
    this.timer.unref();
  }

  /** Stops the timer, once the pass under way is over. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.pass;
  }

  maintenance(): StatusMaintenance {
    return { ...this.upkeep };
  }

  /**
   * One retention pass: trims what is older than `retention.keep` (by the server's clock at
   * append) or beyond `maxEntries`, a bounded number per script call. Any instance may run it;
   * the script makes two at once harmless. A failure is counted and retried at the next pass.
   */
  async trim(): Promise<number> {
    if (this.pass) {
      await this.pass;
      return 0;
    }
    let removed = 0;
    const pass = (async () => {
      const writer = this.writer();
      const keepMs = this.retention?.keepMs;
      const serverNow = keepMs === undefined ? 0 : await this.serverMillis(writer);
      for (;;) {
        const count = await writer.statusBusTrim(
          this.keys.log,
          this.keys.done,
          this.keys.base,
          keepMs === undefined ? '' : serverNow - keepMs,
          this.maxEntries ?? '',
          TRIM_BUDGET,
        );
        removed += count;
        this.trimmed += count;
        if (count < TRIM_BUDGET) return;
      }
    })();
    this.pass = pass.then(
      () => {
        this.upkeep.failingInARow = 0;
        delete this.upkeep.lastError;
      },
      (err: unknown) => {
        this.upkeep.failedPasses++;
        this.upkeep.failingInARow++;
        this.upkeep.lastError = err instanceof Error ? err.message : String(err);
        this.logger.warn(
          `Redis retention pass failed (retried at the next): ${this.upkeep.lastError}`,
        );
      },
    );
    await this.pass;
    this.pass = undefined;
    return removed;
  }

  /** The server's clock, which timed the appends, in milliseconds. */
  private async serverMillis(connection: Connection): Promise<number> {
    const [seconds, micros] = await (connection as Redis).time();
    return Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
  }
}
