import type { Redis } from 'ioredis';
import { describeValue } from '../../errors/describe-value';
import type { ResolvedRetention } from '../../retention/retention-options';
import { fail, positiveInteger } from '../../util/option-checks';
import type { RedisStatusOptions } from './redis-status-options.interface';

/** The Redis backend's options, checked, with their defaults. */
export interface ResolvedRedisOptions {
  replicas: number;
  replicaTimeoutMs: number;
  maxEntries: number | undefined;
  connectionName: string;
}

/**
 * Checks the `redis` option (and what of `retention` applies to Redis), naming what is wrong;
 * a URL, which may hold a password, is described, never shown.
 */
export function resolveRedisOptions(
  options: RedisStatusOptions,
  retention: ResolvedRetention | undefined,
): ResolvedRedisOptions {
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
  const replicas = options.waitForReplicas ?? 0;
  if (!Number.isSafeInteger(replicas) || replicas < 0) {
    fail('redis.waitForReplicas', `must be an integer ≥ 0, got ${describeValue(replicas)}`);
  }
  const replicaTimeoutMs = positiveInteger(
    'redis.replicaTimeoutMs',
    options.replicaTimeoutMs,
    1000,
  );
  const maxEntries =
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
  positiveInteger('redis.pollIntervalMs', options.pollIntervalMs, 1000);
  if (retention?.archiveDir !== undefined) {
    fail(
      'retention.archiveDir',
      'applies to the log in PostgreSQL; on Redis, retention trims entries without archiving them',
    );
  }
  return { replicas, replicaTimeoutMs, maxEntries, connectionName: name };
}
