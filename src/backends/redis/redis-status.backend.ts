import { Logger } from '@nestjs/common';
import { createHash, randomUUID } from 'node:crypto';
import { Cluster, Redis, type RedisOptions } from 'ioredis';
import { StatusEntry } from '../../entry/status-entry';
import type { StatusLevel } from '../../entry/status-level';
import type { JsonValue } from '../../entry/status-entry.validation';
import { describeValue } from '../../errors/describe-value';
import type { ResolvedRetention } from '../../retention/retention-options';
import { deepFreeze } from '../../util/deep-freeze';
import { fail, positiveInteger } from '../../util/option-checks';
import type { ScriptPort } from '../script-port';
import { StatusBackend, StatusFilter, StatusMaintenance, StopWatching } from '../status-backend';
import { RedisKeys } from './redis-keys';
import { RedisStatusOptions } from './redis-status-options.interface';
import { ACK_SCRIPT, APPEND_SCRIPT, READ_SCRIPT, TRIM_SCRIPT } from './redis-scripts';

/** The scripts, as commands of the bus's connections (ioredis sends EVALSHA, EVAL once needed). */
interface ScriptCommands {
  statusBusAppend(...keysAndArgs: (string | number)[]): Promise<number[]>;
  statusBusAck(...keysAndArgs: (string | number)[]): Promise<number>;
  statusBusRead(...keysAndArgs: (string | number)[]): Promise<(string | number)[]>;
  statusBusTrim(...keysAndArgs: (string | number)[]): Promise<number>;
}

type Connection = (Redis | Cluster) & ScriptCommands;

/** An entry as the stream stores it: [id, ts, agent_id, action, status, detail, metadata, room_id]. */
type StoredEntry = [
  string,
  string,
  string,
  string,
  StatusLevel,
  string,
  Record<string, JsonValue>,
  string,
];

/** Entries a read script looks at before it answers, so that one read never blocks the server long. */
const READ_BUDGET = 4096;
/** Entries a trim script removes before it answers, for the same reason. */
const TRIM_BUDGET = 1000;

function stored(entry: StatusEntry): string {
  const e = entry;
  return JSON.stringify([
    e.id,
    e.ts,
    e.agentId,
    e.action,
    e.status,
    e.detail,
    e.metadata,
    e.roomId,
  ]);
}

function toEntry(seq: string | number, json: string): StatusEntry {
  const [id, ts, agentId, action, status, detail, metadata, roomId] = JSON.parse(
    json,
  ) as StoredEntry;
  return new StatusEntry({
    id,
    seq: Number(seq),
    ts,
    agentId,
    action,
    status,
    detail,
    metadata: deepFreeze(metadata),
    roomId,
  });
}

/** The index keys (under the base) a filter reads. */
function indexes(filter: StatusFilter): string[] {
  const keys: string[] = [];
  if (filter.agentId !== undefined) keys.push(RedisKeys.agent(filter.agentId));
  if (filter.status !== undefined) keys.push(RedisKeys.status(filter.status));
  if (filter.roomId !== undefined) keys.push(RedisKeys.room(filter.roomId));
  return keys;
}

/** Whether Redis refused a batch because the batch sent before it is not stored. */
function isOutOfOrder(err: unknown): boolean {
  return err instanceof Error && err.message.includes('STATUSBUS_ORDER');
}

/**
 * The status log in Redis (through `ioredis`): one stream whose ids are the global order `seq`
 * shared by every instance on the server, beside indexes by agent, status and room.
 *
 * Appends run a Lua script, atomically: it checks that the batch sent before is stored, skips
 * entries already stored (a retried append), takes positions from one counter, adds the
 * entries and their index positions, and publishes the newest position on the bus's channel.
 * That message only wakes the other instances, which then read the stream from their own
 * position; a poll covers messages lost while a connection was down. With `waitForReplicas`,
 * an append counts as stored once the replicas have it (`WAIT`), and readers read only up to
 * the newest such position (`acked`), so that no instance delivers what a failover could lose.
 */
export class RedisStatusBackend extends StatusBackend {
  /** Appends sent while earlier ones are unanswered: each names the one before it. */
  override readonly pipelining = 4;
  private readonly keys: RedisKeys;
  private readonly replicas: number;
  private readonly replicaTimeoutMs: number;
  private readonly maxEntries: number | undefined;
  private readonly connectionName: string;
  private writer: Connection | undefined;
  private reader: Connection | undefined;
  private subscriber: Connection | undefined;
  /** The last entry of the latest append sent and not yet answered. */
  private pendingLast: string | undefined;
  /** This writer's window of lately appended ids (see redis-scripts.ts). */
  private readonly window: { newer: string; older: string };
  /** The largest batch appended yet: the window must hold every append that may be retried. */
  private largestBatch = 1;
  private trimming: NodeJS.Timeout | undefined;
  private trimPass: Promise<void> | undefined;
  private trimmed = 0;
  private readonly upkeep: StatusMaintenance = { failedPasses: 0, failingInARow: 0 };
  private readonly logger = new Logger('StatusBus');

  /**
   * @param extras what the module passes from its own options: retention (timed by the server's
   * clock, which timed the appends)
   * @internal the module constructs it from its `redis` and `retention` options
   */
  constructor(
    private readonly options: RedisStatusOptions,
    private readonly extras: { retention?: ResolvedRetention } = {},
  ) {
    super();
    if ((options.url === undefined) === (options.client === undefined)) {
      fail(
        'redis',
        "needs exactly one of url (the bus opens its own connections) or client (an ioredis client of the application's)",
      );
    }
    if (
      options.url !== undefined &&
      (typeof options.url !== 'string' || !/^rediss?:\/\//.test(options.url))
    ) {
      // The URL may hold a password: it is described, never shown.
      fail(
        'redis.url',
        `must be a redis:// or rediss:// URL, got ${typeof options.url === 'string' ? 'another string' : describeValue(options.url)}`,
      );
    }
    // Checked by shape: the application may have loaded a copy of ioredis of its own.
    const client = options.client as Partial<Redis> | undefined;
    if (
      client !== undefined &&
      (typeof client !== 'object' ||
        client === null ||
        typeof client.duplicate !== 'function' ||
        typeof client.isCluster !== 'boolean')
    ) {
      fail(
        'redis.client',
        `must be an ioredis Redis or Cluster client, got ${describeValue(options.client)}`,
      );
    }
    this.keys = new RedisKeys(options.prefix ?? 'status-bus');
    this.window = this.keys.window(randomUUID());
    const replicas = options.waitForReplicas ?? 0;
    if (!Number.isSafeInteger(replicas) || replicas < 0) {
      fail('redis.waitForReplicas', `must be an integer ≥ 0, got ${describeValue(replicas)}`);
    }
    this.replicas = replicas;
    this.replicaTimeoutMs = positiveInteger(
      'redis.replicaTimeoutMs',
      options.replicaTimeoutMs,
      1000,
    );
    this.maxEntries =
      options.maxEntries === undefined
        ? undefined
        : positiveInteger('redis.maxEntries', options.maxEntries, 1);
    const name = options.connectionName ?? 'nest-status-bus';
    // Redis takes a name without spaces or newlines.
    if (typeof name !== 'string' || !/^[\x21-\x7e]{1,100}$/.test(name)) {
      fail(
        'redis.connectionName',
        `must be 1 to 100 visible ASCII characters without spaces, got ${describeValue(name)}`,
      );
    }
    this.connectionName = name;
    positiveInteger('redis.pollIntervalMs', options.pollIntervalMs, 1000);
    if (extras.retention?.archiveDir !== undefined) {
      fail(
        'retention.archiveDir',
        'applies to the log in PostgreSQL; on Redis, retention trims entries without archiving them',
      );
    }
  }

  /** The key holding the newest position readers may read: `acked` when appends wait for replicas. */
  private get headKey(): string {
    return this.replicas > 0 ? this.keys.acked : this.keys.seq;
  }

  override async open(): Promise<void> {
    try {
      this.writer = await this.connect('writer');
      this.reader = await this.connect('reader');
    } catch (err) {
      await this.close();
      throw err;
    }
    if (this.extras.retention || this.maxEntries !== undefined) {
      const every = this.extras.retention?.checkEveryMs ?? 60_000;
      this.trimming = setInterval(() => void this.trim(), every);
      this.trimming.unref();
    }
  }

  /**
   * A connection of the bus's own, from the URL or duplicated from the application's client.
   * The writer's commands fail at once while it is down rather than wait in a queue: the bus
   * buffers and retries appends itself, in order. Reads (and the scripts of the parts beside
   * the log) made while it reconnects wait for the next attempt, so that a read right after
   * Redis is back does not fail for a connection not yet back. No command sent before a
   * disconnection is sent again behind the bus's back.
   */
  private async connect(role: 'writer' | 'reader' | 'subscriber'): Promise<Connection> {
    const queued = role !== 'writer';
    const settings: RedisOptions = {
      lazyConnect: true,
      enableOfflineQueue: queued,
      autoResendUnfulfilledCommands: false,
      // 0: a command on its way when the connection drops is failed at once (ioredis drops it
      // unanswered at the next connection otherwise, leaving its caller waiting for good), and
      // a queued one waits for the next attempt only.
      maxRetriesPerRequest: role === 'subscriber' ? null : 0,
      // The subscription is renewed by the bus itself, on 'ready': ioredis's own renewal leaves
      // a promise nobody handles, which rejects (and would end the process) when the bus
      // closes while it is on its way.
      autoResubscribe: false,
      connectionName: `${this.connectionName}-${role}`,
      retryStrategy: (attempt: number) => Math.min(50 * 2 ** Math.min(attempt, 6), 2000),
    };
    const source = this.options.client;
    let connection: Redis | Cluster;
    if (source === undefined) connection = new Redis(this.options.url!, settings);
    else if (source.isCluster) {
      const cluster = source as Cluster;
      connection = cluster.duplicate(undefined, {
        lazyConnect: true,
        enableOfflineQueue: queued,
        redisOptions: { ...cluster.options.redisOptions, ...settings },
      });
    } else connection = (source as Redis).duplicate(settings);
    return this.prepare(connection as Connection, role);
  }

  /** Defines the scripts on a new connection, reports its failures sparingly, and connects it. */
  private async prepare(connection: Connection, role: string): Promise<Connection> {
    // ioredis reports every failed reconnection as an 'error'; the bus reports its effects
    // (failed appends, health) itself, so one line per outage is enough here.
    let reported = false;
    connection.on('error', (err: Error) => {
      if (reported) return;
      reported = true;
      this.logger.warn(`Redis ${role} connection: ${err.message}`);
    });
    connection.on('ready', () => (reported = false));
    connection.defineCommand('statusBusAppend', { numberOfKeys: 5, lua: APPEND_SCRIPT });
    connection.defineCommand('statusBusAck', { numberOfKeys: 1, lua: ACK_SCRIPT });
    connection.defineCommand('statusBusRead', { numberOfKeys: 2, lua: READ_SCRIPT });
    connection.defineCommand('statusBusTrim', { numberOfKeys: 2, lua: TRIM_SCRIPT });
    try {
      await connection.connect();
    } catch (err) {
      connection.disconnect();
      throw err;
    }
    return connection;
  }

  private live(connection: Connection | undefined): Connection {
    if (!connection) throw new Error('RedisStatusBackend is not open');
    return connection;
  }

  override async append(entries: readonly StatusEntry[]): Promise<StatusEntry[]> {
    const writer = this.live(this.writer);
    const after = this.pendingLast ?? '';
    const last = entries[entries.length - 1]!.id;
    this.pendingLast = last;
    this.largestBatch = Math.max(this.largestBatch, entries.length);
    // Every append that may still be resent (those on their way, and the ones before them)
    // stays in the window: at least twice what the pipeline holds.
    const windowSize = Math.max(10_000, 2 * this.pipelining * this.largestBatch);
    const args: (string | number)[] = [this.keys.base, after, this.keys.channel, windowSize];
    for (const e of entries) args.push(e.id, e.agentId, e.status, e.roomId, stored(e));
    const k = this.keys;
    let seqs: number[];
    try {
      seqs = await writer.statusBusAppend(
        k.log,
        k.seq,
        k.done,
        this.window.newer,
        this.window.older,
        ...args,
      );
      if (this.replicas > 0) await this.replicated(writer, seqs[seqs.length - 1]!);
    } catch (err) {
      if (isOutOfOrder(err)) {
        throw new Error(
          'Redis refused a batch sent before the one ahead of it was stored; it is resent',
        );
      }
      throw err;
    } finally {
      if (this.pendingLast === last) this.pendingLast = undefined;
    }
    return entries.map((e, i) => e.withSeq(seqs[i]!));
  }

  /**
   * Waits until the replicas have everything this connection wrote, then moves `acked` up to
   * `seq`. `WAIT` counts the replicas that reached this connection's last write, and the
   * replication stream is in the order of execution, so every position below `seq` is on them
   * too, whoever appended it.
   */
  private async replicated(writer: Connection, seq: number): Promise<void> {
    const confirmed = await (writer as Redis).wait(this.replicas, this.replicaTimeoutMs);
    if (confirmed < this.replicas) {
      throw new Error(
        `Redis confirmed the append on ${confirmed} of the ${this.replicas} replicas it waits for ` +
          `within ${this.replicaTimeoutMs} ms; it is retried`,
      );
    }
    await writer.statusBusAck(this.keys.acked, seq, this.keys.channel);
  }

  override async recent(n: number, filter: StatusFilter = {}): Promise<StatusEntry[]> {
    return (await this.read('recent', '', n, filter)).reverse();
  }

  override async readAfter(
    after: number,
    limit: number,
    filter: StatusFilter = {},
  ): Promise<StatusEntry[]> {
    return this.read('after', after, limit, filter);
  }

  /**
   * Runs the read script until it has `limit` entries or has looked at everything between its
   * bounds; each call looks at a bounded number, and the next goes on from where it stopped,
   * up to the same head.
   */
  private async read(
    direction: 'after' | 'recent',
    from: number | '',
    limit: number,
    filter: StatusFilter,
  ): Promise<StatusEntry[]> {
    const reader = this.live(this.reader);
    const found: StatusEntry[] = [];
    let head: number | '' = '';
    let cursor: number | '' = from;
    for (;;) {
      const reply = await reader.statusBusRead(
        this.keys.log,
        this.headKey,
        this.keys.base,
        direction,
        cursor,
        limit - found.length,
        head,
        READ_BUDGET,
        ...indexes(filter),
      );
      head = Number(reply[0]);
      for (let i = 2; i < reply.length; i += 2)
        found.push(toEntry(reply[i]!, String(reply[i + 1])));
      const next = Number(reply[1]);
      if (next === -1 || found.length >= limit) return found;
      cursor = next;
    }
  }

  override async hasCompleted(agentId?: string, roomId?: string): Promise<boolean> {
    const count = await this.live(this.reader).hget(
      this.keys.done,
      RedisKeys.doneField(agentId, roomId),
    );
    return Number(count ?? 0) > 0;
  }

  override async head(): Promise<number> {
    return Number((await this.live(this.reader).get(this.headKey)) ?? 0);
  }

  override async oldest(): Promise<number> {
    const rows = await this.live(this.reader).xrange(this.keys.log, '-', '+', 'COUNT', 1);
    return rows.length === 0 ? 0 : Number.parseInt(rows[0]![0], 10);
  }

  override maintenance(): StatusMaintenance {
    return { ...this.upkeep };
  }

  override removed(): { partitions: number; entries: number } {
    return { partitions: 0, entries: this.trimmed };
  }

  /**
   * One retention pass: trims what is older than `retention.keep` (by the server's clock at
   * append) or beyond `maxEntries`, a bounded number per script call. Any instance may run it;
   * the script makes two at once harmless. A failure is counted and retried at the next pass.
   */
  async trim(): Promise<number> {
    if (this.trimPass) {
      await this.trimPass;
      return 0;
    }
    let removed = 0;
    const pass = (async () => {
      const writer = this.live(this.writer);
      const keepMs = this.extras.retention?.keepMs;
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
    this.trimPass = pass.then(
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
    await this.trimPass;
    this.trimPass = undefined;
    return removed;
  }

  /** The server's clock, which timed the appends, in milliseconds. */
  private async serverMillis(connection: Connection): Promise<number> {
    const [seconds, micros] = await (connection as Redis).time();
    return Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
  }

  override async watch(onAppended: (position?: number) => void): Promise<StopWatching> {
    const wake = (position?: number) => {
      try {
        onAppended(position);
      } catch (err) {
        this.logger.error(
          `Status feed wake-up failed: ${err instanceof Error ? err.message : String(err)}`,
        );
      }
    };
    const subscriber = await this.connect('subscriber');
    subscriber.on('message', (_channel: string, message: string) => {
      // A hint only: the feed reads the stream from its own position whatever it says.
      const position = Number(message);
      wake(Number.isSafeInteger(position) && position > 0 ? position : undefined);
    });
    // Back after a disconnection: subscribes again, then reads. Messages sent meanwhile are
    // lost, the stream is not; the read waits until the subscription is active, or an entry
    // appended in between would be neither read nor announced.
    subscriber.on('ready', () => {
      subscriber.subscribe(this.keys.channel).then(
        () => wake(),
        () => wake(),
      );
    });
    await subscriber.subscribe(this.keys.channel);
    this.subscriber = subscriber;
    const poll = setInterval(() => wake(), this.options.pollIntervalMs ?? 1000);
    poll.unref();
    return async () => {
      clearInterval(poll);
      this.subscriber = undefined;
      subscriber.disconnect();
    };
  }

  override get watching(): boolean {
    return this.subscriber?.status === 'ready';
  }

  /**
   * The parts that keep state beside the log run their scripts here, on the reading connection
   * (EVALSHA, EVAL once after a failover or restart emptied the script cache): apart from the
   * appends, and waiting for a reconnection under way as reads do.
   */
  override readonly scripts: ScriptPort = {
    run: async <T>(script: string, keys: readonly string[], args: readonly (string | number)[]) => {
      const connection = this.live(this.reader);
      const sha = createHash('sha1').update(script).digest('hex');
      const named = keys.map((key) => `${this.keys.base}${key}`);
      try {
        return (await connection.evalsha(sha, named.length, ...named, ...args)) as T;
      } catch (err) {
        if (!(err instanceof Error) || !err.message.startsWith('NOSCRIPT')) throw err;
        return (await connection.eval(script, named.length, ...named, ...args)) as T;
      }
    },
  };

  override async close(): Promise<void> {
    clearInterval(this.trimming);
    await this.trimPass;
    for (const connection of [this.writer, this.reader, this.subscriber]) connection?.disconnect();
    this.writer = this.reader = this.subscriber = undefined;
  }
}
