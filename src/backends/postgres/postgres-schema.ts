import type { Pool } from 'pg';
import { StatusBusConfigError } from '../../errors/status-bus.errors';

/**
 * The oldest schema this release runs on (`status_bus_schema_version()`), the start of its
 * upgrade window: the previous release runs on this release's schema too, so instances are
 * upgraded one at a time once the migrations have run (docs/operations.md).
 */
export const OLDEST_SCHEMA = 1764000000010;

/**
 * Checks that the schema is one this release runs on, by its version: one read, of a function
 * the migrations keep (`status_bus_schema_version()`, missing before 1764000000010).
 */
export async function checkSchemaVersion(pool: Pool): Promise<void> {
  let version = 0;
  try {
    // Not prepared: on an older schema the statement fails, and is not kept.
    const { rows } = await pool.query<{ version: string }>(
      'SELECT status_bus_schema_version() AS version',
    );
    version = Number(rows[0]!.version);
  } catch (err) {
    if ((err as { code?: string }).code !== '42883') throw err; // undefined_function
  }
  if (version < OLDEST_SCHEMA) {
    throw new StatusBusConfigError(
      'The status_bus_entries table is missing or not up to date. Run the migrations ' +
        '(DATABASE_URL=... npx nest-status-bus migrate), or set postgres.migrationsRun: true. ' +
        `(Schema version ${version || 'none'}; this release needs ${OLDEST_SCHEMA} or later.)`,
    );
  }
}

/** The schema of the table the pool's statements resolve to, through the search path. */
export async function tableSchema(pool: Pool): Promise<string> {
  const { rows } = await pool.query<{ schema: string }>(
    `SELECT n.nspname AS schema FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.oid = to_regclass('status_bus_entries')`,
  );
  return rows[0]!.schema;
}
