/**
 * `nest-status-bus/redis`: the log in Redis (a single server, Sentinel or Cluster). Needs the
 * package `ioredis`.
 */
export { RedisStatusBackend } from './backends/redis/redis-status.backend';
export type { RedisStatusOptions } from './backends/redis/redis-status-options.interface';
