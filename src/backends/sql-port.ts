/**
 * What a backend on a SQL database offers the parts that keep tables beside its log (the
 * voice store's checkpoints and sessions, the A2A task store): statements on the bus's own
 * connections, so that those parts need no database package or connection of their own. A
 * backend offers it as {@link StatusBackend.sql}; the parts look for that, never for a class.
 */
export interface SqlPort {
  /** Runs one statement with its parameters and answers its rows; callable on its own. */
  query<T>(this: void, sql: string, params?: unknown[]): Promise<T[]>;
}

/** What the parts call to run a statement: the port's `query`, bound. */
export type SqlRunner = SqlPort['query'];
