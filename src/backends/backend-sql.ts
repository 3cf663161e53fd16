import type { SqlRunner } from '../voice/postgres-voice.store';
import { StatusBackend } from './status-backend';

/**
 * Runs statements on the bus's own PostgreSQL connection when the backend is the PostgreSQL one
 * (`PostgresStatusBackend.query`), so that the tables kept beside the log need no database
 * package or connection of their own; `undefined` for any other backend.
 */
export function backendSql(backend: StatusBackend): SqlRunner | undefined {
  const sql = (backend as { query?: SqlRunner }).query;
  if (typeof sql !== 'function' || backend.constructor.name !== 'PostgresStatusBackend') {
    return undefined;
  }
  return <T>(statement: string, params?: unknown[]) =>
    sql.call<StatusBackend, [string, unknown[] | undefined], Promise<T[]>>(
      backend,
      statement,
      params,
    );
}
