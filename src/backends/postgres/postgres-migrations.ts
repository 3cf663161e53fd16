import { DataSource, type DataSourceOptions } from 'typeorm';
import { STATUS_BUS_MIGRATIONS, STATUS_BUS_MIGRATIONS_TABLE } from '../../../migrations';

/**
 * First key of the advisory lock held while the bus's migrations run; the second is derived from
 * the schema they run in, so buses in different schemas never wait for each other.
 */
const MIGRATION_LOCK_KEY = 1937072451;

/**
 * Runs the bus's migrations that have not run yet (or, with `revert`, undoes the last one) on a
 * short-lived data source with the given connection, recording them in
 * `status_bus_migrations`, apart from the application's own. Instances starting together
 * would race to create the table: one migrates under an advisory lock, the others wait and
 * then find nothing left to do. Every migration is idempotent, so migrations an application
 * already ran through its own data source (recorded in its own table) run again harmlessly.
 *
 * @returns the names of the migrations applied (or reverted)
 */
export async function runStatusBusMigrations(
  connection: DataSourceOptions,
  action: 'run' | 'revert' = 'run',
): Promise<string[]> {
  const source = new DataSource({
    ...(connection as object),
    type: 'postgres',
    entities: [],
    subscribers: [],
    migrations: STATUS_BUS_MIGRATIONS,
    migrationsTableName: STATUS_BUS_MIGRATIONS_TABLE,
    migrationsRun: false,
    synchronize: false,
    logging: false,
    poolSize: 2,
  });
  await source.initialize();
  const lock = source.createQueryRunner();
  try {
    await lock.query('SELECT pg_advisory_lock($1, hashtext(current_schema()))', [
      MIGRATION_LOCK_KEY,
    ]);
    if (action === 'run') {
      return (await source.runMigrations({ transaction: 'each' })).map((m) => m.name);
    }
    const before = await source.query<{ name: string }[]>(
      `SELECT name FROM ${STATUS_BUS_MIGRATIONS_TABLE} ORDER BY id DESC LIMIT 1`,
    );
    await source.undoLastMigration({ transaction: 'each' });
    return before.map((m) => m.name);
  } finally {
    await lock
      .query('SELECT pg_advisory_unlock($1, hashtext(current_schema()))', [MIGRATION_LOCK_KEY])
      .catch(() => undefined);
    await lock.release();
    await source.destroy();
  }
}
