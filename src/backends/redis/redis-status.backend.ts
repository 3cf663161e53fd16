import { Logger } from '@nestjs/common';
import { createHash, randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { StatusEntry } from '../../entry/status-entry';
import type { ResolvedRetention } from '../../retention/retention-options';
import type { ScriptPort } from '../script-port';
import { StatusBackend, StatusFilter, StatusMaintenance, StopWatching } from '../status-backend';
import { RedisKeys } from './redis-keys';
import { RedisStatusOptions } from './redis-status-options.interface';
import { openConnection, type Connection } from './redis-connection';
import { stored, toEntry } from './redis-entry';
import { resolveRedisOptions } from './redis-options';
import { RedisTrimming } from './redis-trimming';

/** Entries a read script looks at before it answers, so that one read never blocks the server long. */
const READ_BUDGET = 4096;
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
  private readonly logger = new Logger('StatusBus');
  private readonly trimming: RedisTrimming;

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
    const resolved = resolveRedisOptions(options, extras.retention);
    this.replicas = resolved.replicas;
    this.replicaTimeoutMs = resolved.replicaTimeoutMs;
    this.maxEntries = resolved.maxEntries;
    this.connectionName = resolved.connectionName;
    this.keys = new RedisKeys(options.prefix ?? 'status-bus');
    this.window = this.keys.window(randomUUID());
    this.trimming = new RedisTrimming(
      () => this.live(this.writer),
      this.keys,
      extras.retention,
      this.maxEntries,
    );
  }

  /** The key holding the newest position readers may read: `acked` when appends wait for replicas. */
  private get headKey(): string {
    return this.replicas > 0 ? this.keys.acked : this.keys.seq;
  }

  override async open(): Promise<void> {
    try {
      this.writer = await openConnection(this.options, this.connectionName, 'writer');
      this.reader = await openConnection(this.options, this.connectionName, 'reader');
    } catch (err) {
      await this.close();
      throw err;
    }
    this.trimming.start();
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
    return this.trimming.maintenance();
  }

  override removed(): { partitions: number; entries: number } {
    return { partitions: 0, entries: this.trimming.trimmed };
  }

  /** One retention pass now (see `RedisTrimming.trim`): how many entries it removed. */
  trim(): Promise<number> {
    return this.trimming.trim();
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
    const subscriber = await openConnection(this.options, this.connectionName, 'subscriber');
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
    await this.trimming.stop();
    for (const connection of [this.writer, this.reader, this.subscriber]) connection?.disconnect();
    this.writer = this.reader = this.subscriber = undefined;
  }
}
