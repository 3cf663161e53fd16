import type { Cluster, Redis } from 'ioredis';

/**
 * Where and how the bus keeps its log in Redis; give `url` or `client`. Every instance of one
 * bus must use the same `prefix` and the same `waitForReplicas`.
 */
export interface RedisStatusOptions {
  /** A `redis://` or `rediss://` URL; the bus opens (and closes) connections of its own. */
  url?: string;
  /**
   * A client of the application's (`ioredis`): a single server, one set up with Sentinel
   * (`new Redis({ sentinels, name })`, which follows a failover) or a `Cluster`. The bus opens
   * its own connections from it with `duplicate()`, and leaves the client itself to its owner.
   */
  client?: Redis | Cluster;
  /**
   * What every key of this bus starts with, inside braces so that all of them share one hash
   * slot (Redis Cluster): buses that share a server must not share a prefix.
   * @default 'status-bus'
   */
  prefix?: string;
  /**
   * Replicas that must have an append before it counts as stored (Redis `WAIT`): `postAsync`
   * and `flush` resolve, and other instances deliver the entries, only then. With 1 or more, a
   * failover to a replica loses nothing acknowledged. 0 trusts the primary alone.
   * @default 0
   */
  waitForReplicas?: number;
  /**
   * How long an append waits for its replicas before it fails (and is retried, buffered).
   * @default 1000
   */
  replicaTimeoutMs?: number;
  /**
   * Keep at most this many entries: older ones are trimmed, with their indexes, as retention
   * trims by age. Unlimited by default.
   */
  maxEntries?: number;
  /**
   * What the bus's connections are called in `CLIENT LIST`: `<name>-writer`, `<name>-reader`
   * and `<name>-subscriber`, so that an operator tells apart the applications on one server.
   * @default 'nest-status-bus'
   */
  connectionName?: string;
  /**
   * How often each instance checks for entries whose wake-up message never arrived.
   * @default 1000
   */
  pollIntervalMs?: number;
}
