import type { PostgresStatusOptions } from './backends/postgres/postgres-status-options.interface';
import type { RedisStatusOptions } from './backends/redis/redis-status-options.interface';
import { StatusBackend } from './backends/status-backend';
import type { DelegationGuardOptions } from './delegation/delegation-guard-options.interface';
import { StatusEntryLimits } from './entry/status-entry-limits';
import type { JsonlRotationOptions } from './persistence/jsonl-rotation';
import type { StatusRetentionOptions } from './retention/retention-options';
import type { VoiceInjectionOptions } from './voice/voice-injection-options.interface';

/**
 * Options of `StatusBusModule.forRoot()` / `forRootAsync()`. All are optional: with none, the
 * bus keeps the last 500 entries in memory.
 */
export interface StatusBusModuleOptions {
  /**
   * A backend of your own. When set, `maxEntries` is ignored.
   * @default an InMemoryStatusBackend keeping `maxEntries` entries
   */
  backend?: StatusBackend;
  /**
   * Keep the log in PostgreSQL, shared by every instance on the same database.
   * @example { url: process.env.DATABASE_URL, migrationsRun: true }
   * @example { dataSource } // the application's TypeORM DataSource
   */
  postgres?: PostgresStatusOptions;
  /**
   * Keep the log in Redis (needs the package `ioredis`), shared by every instance on the same
   * server, Sentinel group or Cluster.
   * @example { url: process.env.REDIS_URL }
   * @example { client: redis, waitForReplicas: 1 } // the application's ioredis client
   */
  redis?: RedisStatusOptions;
  /**
   * How many entries the default in-memory backend keeps.
   * @default 500
   */
  maxEntries?: number;
  /**
   * How many rooms the in-memory read models keep (the snapshot of each agent's latest entry,
   * and the delegation guard's latest completions). The room idle longest is forgotten first,
   * and read again from the store when asked about, so memory stays bounded however many
   * conversations come and go.
   * @default 1000
   */
  maxCachedRooms?: number;
  /**
   * A JSONL file that receives one line per stored entry. With the in-memory backend the file
   * is read back at start, so history survives a restart; its folder is created if missing.
   */
  persistPath?: string;
  /**
   * Rotates the `persistPath` file by size or by day; the rotated files stay beside it under
   * dated names and are read back at start with it.
   * @example { maxBytes: 100_000_000, daily: true, keepFiles: 30 }
   */
  persistRotation?: JsonlRotationOptions;
  /**
   * How long the log in PostgreSQL keeps entries: whole partitions (about a day of appends
   * each) the log had moved past before the horizon are dropped, archived first when
   * `archiveDir` is set. Off by default: nothing is ever removed.
   * @example { keep: '30 days', archiveDir: '/var/lib/status-bus/archives' }
   */
  retention?: StatusRetentionOptions;
  /** Size bounds applied to every posted entry. */
  limits?: Partial<StatusEntryLimits>;
  /**
   * How long an async subscriber (and `postAsync`, which waits for subscribers) waits on one
   * entry before the subscriber's next entry is delivered regardless.
   * @default 5000
   */
  subscriberTimeoutMs?: number;
  /**
   * How many entries may queue for one slow subscriber; beyond it, further entries are skipped
   * for that subscriber only, logged and counted in `stats()`.
   * @default 10000
   */
  subscriberMaxQueue?: number;
  /**
   * How many posted entries may wait to be stored (the store is down or slower than the
   * producers). Beyond it `post` and `postAsync` throw `StatusBufferFullError`.
   * @default 250000
   */
  maxBufferedEntries?: number;
  /**
   * Most entries written to the store in one append. Batches only grow this large when posts
   * outpace the store; each one costs one commit, so larger batches raise sustained throughput
   * (≈ 8% from 1,000 to 2,000 on PostgreSQL; see BENCHMARKS.md).
   * @default 2000
   */
  maxBatchSize?: number;
  /**
   * How long `postAsync` waits for its entry to be stored before rejecting with
   * `StatusStoreTimeoutError`. The entry stays queued and is written later.
   * @default 10000
   */
  postTimeoutMs?: number;
  /**
   * How long `close()` (and application shutdown) waits for queued entries to be stored.
   * @default 10000
   */
  shutdownTimeoutMs?: number;
  /**
   * Emit every entry as the `status_posted` event of `@nestjs/event-emitter`.
   * @default true
   */
  emitStatusPosted?: boolean;
  /**
   * Milliseconds since the epoch, for entry timestamps and the delegation window. Replace it to
   * control time in tests (`StatusBusTestingModule` does).
   * @default the system clock
   */
  clock?: () => number;
  /**
   * The room of entries whose `metadata.room_id` names none.
   * @default 'default'
   */
  defaultRoomId?: string;
  /** Telling the voice agent what other agents did (the `VoiceInjectionSaga`). */
  voice?: VoiceInjectionOptions;
  /** The `DelegationGuardService`. */
  delegation?: DelegationGuardOptions;
}
