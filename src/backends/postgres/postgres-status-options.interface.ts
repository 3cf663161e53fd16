import type { DataSource } from 'typeorm';

/** Where and how the bus keeps its log in PostgreSQL; give `url` or `dataSource`. */
export interface PostgresStatusOptions {
  /** A connection URL; the bus opens (and closes) a TypeORM data source of its own. */
  url?: string;
  /**
   * The application's own TypeORM data source (e.g. injected from `TypeOrmModule.forRoot()`).
   * The bus shares its pool and leaves closing it to its owner.
   */
  dataSource?: DataSource;
  /**
   * Apply the bus's pending migrations at start (in their own table, `status_bus_migrations`).
   * @default false
   */
  migrationsRun?: boolean;
  /**
   * How often each instance checks for entries whose notification never arrived.
   * @default 1000
   */
  pollIntervalMs?: number;
  /**
   * How often the listening connection is checked with a cheap query, to notice a connection
   * that died without an error.
   * @default 10000
   */
  healthCheckIntervalMs?: number;
  /**
   * The channel this bus's instances notify and listen on. Buses that share a database must
   * not share a channel: by default it is derived from the schema of the bus's table
   * (`status_bus` in `public`, `status_bus.<schema>` elsewhere), so buses in different schemas
   * (a `search_path` per tenant) stay apart with no setting. Set it to keep apart buses that a
   * schema alone does not tell apart. At most 63 bytes.
   * @default derived from the schema
   */
  channel?: string;
  /**
   * What the bus's connections are called in `pg_stat_activity` (`application_name`): the pool
   * it opens from `url` carries the name, its listening connection `<name>-listener` and its
   * append connection `<name>-writer`, so that an operator tells apart the applications on one
   * database. At most 54 printable ASCII characters.
   * @default 'nest-status-bus'
   */
  connectionName?: string;
  /**
   * Size of the pool the bus opens from `url`.
   * @default 4
   */
  poolSize?: number;
  /**
   * Prepare the bus's statements once per connection (named statements), so that PostgreSQL
   * plans each once rather than at every call: on the partitioned log, planning a read is most
   * of its cost. Set false behind a pooler that cannot keep them (PgBouncer before 1.21 in
   * transaction mode).
   * @default true
   */
  preparedStatements?: boolean;
  /**
   * Positions per partition of the log. By default each partition holds about a day of
   * appends, as the bus measures them (at least 10,000), so that retention drops about a day
   * at a time. Applies to the partitions the bus adds from then on.
   * @default about a day of appends
   */
  partitionSize?: number;
}
