import { DEFAULT_MAX_ENTRIES } from './backends/in-memory-status.backend';
import type { PostgresStatusOptions } from './backends/postgres/postgres-status-options.interface';
import type { RedisStatusOptions } from './backends/redis/redis-status-options.interface';
import { StatusBackend } from './backends/status-backend';
import { DEFAULT_ENTRY_LIMITS, StatusEntryLimits } from './entry/status-entry-limits';
import type { StatusLogOptions } from './log/status-log-options';
import { DEFAULT_ROOM_ID } from './entry/status-room';
import { describeValue } from './errors/describe-value';
import { StatusBusConfigError } from './errors/status-bus.errors';
import { ResolvedJsonlRotation, resolveJsonlRotation } from './persistence/jsonl-rotation';
import { ResolvedRetention, resolveRetention } from './retention/retention-options';
import { StatusBusModuleOptions } from './status-bus-options.interface';
import { fail, optionalBoolean, optionalFunction, positiveInteger } from './util/option-checks';

/** Module options with every default filled in, checked once at start. */
export interface ResolvedStatusBusOptions extends StatusLogOptions {
  backend: StatusBackend | undefined;
  postgres: PostgresStatusOptions | undefined;
  redis: RedisStatusOptions | undefined;
  maxCachedRooms: number;
  persistPath: string | undefined;
  persistRotation: ResolvedJsonlRotation | undefined;
  emitStatusPosted: boolean;
  retention: ResolvedRetention | undefined;
}

/**
 * Fills in defaults and rejects nonsense with an error naming the option, so a typo fails at
 * start rather than as odd behaviour later.
 */
export function resolveStatusBusOptions(
  options: StatusBusModuleOptions | undefined,
): ResolvedStatusBusOptions {
  const o = options ?? {};
  if (o.backend !== undefined && !(o.backend instanceof StatusBackend)) {
    throw new StatusBusConfigError('StatusBusModule option backend must extend StatusBackend');
  }
  const stores = (['backend', 'postgres', 'redis'] as const).filter((key) => o[key] !== undefined);
  if (stores.length > 1) {
    throw new StatusBusConfigError(
      `StatusBusModule takes one of backend, postgres or redis, got ${stores.join(' and ')}`,
    );
  }
  if (o.redis !== undefined && (typeof o.redis !== 'object' || o.redis === null)) {
    fail(
      'redis',
      `must be an object such as { url: 'redis://localhost:6379' }, got ${describeValue(o.redis)}`,
    );
  }
  if (o.retention !== undefined && o.postgres === undefined && o.redis === undefined) {
    throw new StatusBusConfigError(
      'StatusBusModule option retention applies to the log in PostgreSQL (postgres) or Redis ' +
        '(redis); the in-memory log keeps maxEntries entries',
    );
  }
  if (o.persistPath !== undefined && (typeof o.persistPath !== 'string' || o.persistPath === '')) {
    throw new StatusBusConfigError('StatusBusModule option persistPath must be a non-empty path');
  }
  if (
    o.defaultRoomId !== undefined &&
    (typeof o.defaultRoomId !== 'string' || o.defaultRoomId === '')
  ) {
    fail('defaultRoomId', `must be a non-empty string, got ${describeValue(o.defaultRoomId)}`);
  }
  const defaultRoomId = o.defaultRoomId ?? DEFAULT_ROOM_ID;
  const limits = { ...DEFAULT_ENTRY_LIMITS };
  for (const key of Object.keys(DEFAULT_ENTRY_LIMITS) as (keyof StatusEntryLimits)[]) {
    limits[key] = positiveInteger(`limits.${key}`, o.limits?.[key], DEFAULT_ENTRY_LIMITS[key]);
  }
  return {
    backend: o.backend,
    postgres: o.postgres,
    redis: o.redis,
    maxEntries: positiveInteger('maxEntries', o.maxEntries, DEFAULT_MAX_ENTRIES),
    maxCachedRooms: positiveInteger('maxCachedRooms', o.maxCachedRooms, 1000),
    persistPath: o.persistPath,
    persistRotation: resolveJsonlRotation(o.persistRotation, o.persistPath),
    limits,
    subscriberTimeoutMs: positiveInteger('subscriberTimeoutMs', o.subscriberTimeoutMs, 5000),
    subscriberMaxQueue: positiveInteger('subscriberMaxQueue', o.subscriberMaxQueue, 10_000),
    maxBufferedEntries: positiveInteger('maxBufferedEntries', o.maxBufferedEntries, 250_000),
    maxBatchSize: positiveInteger('maxBatchSize', o.maxBatchSize, 2000),
    postTimeoutMs: positiveInteger('postTimeoutMs', o.postTimeoutMs, 10_000),
    shutdownTimeoutMs: positiveInteger('shutdownTimeoutMs', o.shutdownTimeoutMs, 10_000),
    emitStatusPosted: optionalBoolean('emitStatusPosted', o.emitStatusPosted, true),
    defaultRoomId,
    clock: optionalFunction('clock', o.clock, undefined),
    retention: resolveRetention(o.retention),
  };
}
