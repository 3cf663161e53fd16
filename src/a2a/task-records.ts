/**
 * One stored task: its scope (tenant and owner), what lists filter and sort on, the position of
 * the last event it reflects, and the task itself in the A2A wire form.
 */
export interface TaskRecord {
  tenant: string;
  owner: string;
  taskId: string;
  contextId: string;
  state: number;
  /** Its status time in milliseconds since the epoch; -1 when it has none. */
  statusMs: number;
  /** The bus position of the last event the task reflects; 0 before any. */
  seq: number;
  task: unknown;
}

/** Where a listing resumes: after the task with this status time and id, in list order. */
export interface TaskCursor {
  statusMs: number;
  taskId: string;
}

/** Which of a scope's tasks a listing returns. */
export interface TaskQuery {
  contextId?: string;
  state?: number;
  /** Only tasks whose status time is after this many milliseconds since the epoch. */
  statusAfterMs?: number;
  after?: TaskCursor;
  limit: number;
}

/** A page of tasks, newest status first, and how many match the query in all. */
export interface TaskPage {
  records: TaskRecord[];
  total: number;
}

/**
 * Where the A2A task store keeps its tasks: beside the log in PostgreSQL, or in this process.
 * Newest status first, ties broken by task id, also newest first.
 */
export abstract class TaskRecords {
  /**
   * Stores `record` in place of the one with its scope and id, unless that one reflects a later
   * event (a higher `seq`): a writer that read the task before another wrote a newer state
   * cannot set it back. Resolves whether it was stored.
   */
  abstract put(record: TaskRecord): Promise<boolean>;

  abstract get(tenant: string, owner: string, taskId: string): Promise<TaskRecord | undefined>;

  abstract list(tenant: string, owner: string, query: TaskQuery): Promise<TaskPage>;
}

/** Whether `a` comes before `b` in list order (newest status first, then highest id). */
export function listedBefore(a: TaskCursor, b: TaskCursor): boolean {
  if (a.statusMs !== b.statusMs) return a.statusMs > b.statusMs;
  return a.taskId > b.taskId;
}

/** The tasks of one process, for the in-memory backend. */
export class InMemoryTaskRecords extends TaskRecords {
  private readonly records = new Map<string, TaskRecord>();

  async put(record: TaskRecord): Promise<boolean> {
    const key = keyOf(record.tenant, record.owner, record.taskId);
    const stored = this.records.get(key);
    if (stored && stored.seq > record.seq) return false;
    this.records.set(key, structuredClone(record));
    return true;
  }

  async get(tenant: string, owner: string, taskId: string): Promise<TaskRecord | undefined> {
    const record = this.records.get(keyOf(tenant, owner, taskId));
    return record && structuredClone(record);
  }

  async list(tenant: string, owner: string, query: TaskQuery): Promise<TaskPage> {
    const scope = [...this.records.values()].filter(
      (r) => r.tenant === tenant && r.owner === owner,
    );
    const { records, total } = pageOf(scope, query);
    return { records: records.map((r) => structuredClone(r)), total };
  }
}

/** The page `query` asks for among the records of one scope, in list order. */
export function pageOf(records: readonly TaskRecord[], query: TaskQuery): TaskPage {
  const matching = records
    .filter(
      (r) =>
        (query.contextId === undefined || r.contextId === query.contextId) &&
        (query.state === undefined || r.state === query.state) &&
        (query.statusAfterMs === undefined || r.statusMs > query.statusAfterMs),
    )
    .sort((a, b) => (listedBefore(a, b) ? -1 : 1));
  const after = query.after;
  const page = after ? matching.filter((r) => listedBefore(after, r)) : matching;
  return { records: page.slice(0, query.limit), total: matching.length };
}

function keyOf(tenant: string, owner: string, taskId: string): string {
  return `${tenant}\u0000${owner}\u0000${taskId}`;
}
