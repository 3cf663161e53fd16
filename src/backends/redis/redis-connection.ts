import { Logger } from '@nestjs/common';
import { Cluster, Redis, type RedisOptions } from 'ioredis';
import { ACK_SCRIPT, APPEND_SCRIPT, READ_SCRIPT, TRIM_SCRIPT } from './redis-scripts';
import type { RedisStatusOptions } from './redis-status-options.interface';

const logger = new Logger('StatusBus');

/** The scripts, as commands of the bus's connections (ioredis sends EVALSHA, EVAL once needed). */
export interface ScriptCommands {
  statusBusAppend(...keysAndArgs: (string | number)[]): Promise<number[]>;
  statusBusAck(...keysAndArgs: (string | number)[]): Promise<number>;
  statusBusRead(...keysAndArgs: (string | number)[]): Promise<(string | number)[]>;
  statusBusTrim(...keysAndArgs: (string | number)[]): Promise<number>;
}

/** One of the bus's connections, with its scripts. */
export type Connection = (Redis | Cluster) & ScriptCommands;

/**
 * A connection of the bus's own, from the URL or duplicated from the application's client.
 * The writer's commands fail at once while it is down rather than wait in a queue: the bus
 * buffers and retries appends itself, in order. Reads (and the scripts of the parts beside
 * the log) made while it reconnects wait for the next attempt, so that a read right after
 * Redis is back does not fail for a connection not yet back. No command sent before a
 * disconnection is sent again behind the bus's back.
 */
export async function openConnection(
  options: RedisStatusOptions,
  name: string,
  role: 'writer' | 'reader' | 'subscriber',
): Promise<Connection> {
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
    connectionName: `${name}-${role}`,
    retryStrategy: (attempt: number) => Math.min(50 * 2 ** Math.min(attempt, 6), 2000),
  };
  const source = options.client;
  let connection: Redis | Cluster;
  if (source === undefined) connection = new Redis(options.url!, settings);
  else if (source.isCluster) {
    const cluster = source as Cluster;
    connection = cluster.duplicate(undefined, {
      lazyConnect: true,
      enableOfflineQueue: queued,
      redisOptions: { ...cluster.options.redisOptions, ...settings },
    });
  } else connection = (source as Redis).duplicate(settings);
  return prepare(connection as Connection, role);
}

/** Defines the scripts on a new connection, reports its failures sparingly, and connects it. */
async function prepare(connection: Connection, role: string): Promise<Connection> {
  // ioredis reports every failed reconnection as an 'error'; the bus reports its effects
  // (failed appends, health) itself, so one line per outage is enough here.
  let reported = false;
  connection.on('error', (err: Error) => {
    if (reported) return;
    reported = true;
    logger.warn(`Redis ${role} connection: ${err.message}`);
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
