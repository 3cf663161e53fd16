/**
 * What a backend on a SQL database offers the parts that keep tables beside its log (the
 * voice store's checkpoints and sessions, the A2A task store): statements on the bus's own
 * connections, so that those parts need no database package or connection of their own. A
 * backend offers it as {@link StatusBackend.sql}; the parts look for that, never for a class.
 */
export interface SqlPort {
  /** Runs one statement with its parameters and answers its rows; callable on its own. */
  query<T>(this: void, sql: string, params?: unknown[]): Promise<T[]>;
  /**
   * Has `hook` run by every retention pass that runs, told the horizon (rows untouched since
   * are no longer kept): how a part removes its own rows beside the log along with the log's
   * entries. A hook that fails fails the pass, which is tried again. Backends without
   * retention leave this out.
   * @returns a function that removes the hook
   */
  onRetention?(this: void, hook: (horizon: Date) => Promise<unknown>): () => void;
}

/** What a part runs in each retention pass: see {@link SqlPort.onRetention}. */
export type RetentionHook = Parameters<NonNullable<SqlPort['onRetention']>>[0];

/** What the parts call to run a statement: the port's `query`, bound. */
export type SqlRunner = SqlPort['query'];
