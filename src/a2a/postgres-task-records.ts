import type { SqlPort, SqlRunner } from '../backends/sql-port';
import { TaskPage, TaskQuery, TaskRecord, TaskRecords } from './task-records';

interface TaskRow {
  tenant: string;
  owner: string;
  task_id: string;
  context_id: string;
  state: number;
  status_ms: string;
  seq: string;
  task: unknown;
}

/**
 * The A2A tasks in PostgreSQL, in `status_bus_a2a_tasks` (created by the bus's migrations),
 * shared by every instance on the database: a task written on one is read on all.
 */
export class PostgresTaskRecords extends TaskRecords {
  private readonly sql: SqlRunner;

  /** Registers with the port's retention what this store keeps: tasks untouched since. */
  constructor(port: SqlPort) {
    super();
    this.sql = port.query;
    port.onRetention?.((horizon) =>
      port.query('DELETE FROM status_bus_a2a_tasks WHERE updated_at < $1', [horizon]),
    );
  }

  async put(record: TaskRecord): Promise<boolean> {
    const rows = await this.sql(
      `INSERT INTO status_bus_a2a_tasks AS t
         (tenant, owner, task_id, context_id, state, status_ms, seq, task)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
       ON CONFLICT (tenant, owner, task_id) DO UPDATE
         SET context_id = EXCLUDED.context_id, state = EXCLUDED.state,
             status_ms = EXCLUDED.status_ms, seq = EXCLUDED.seq, task = EXCLUDED.task,
             updated_at = now()
         WHERE t.seq <= EXCLUDED.seq
       RETURNING 1`,
      [
        record.tenant,
        record.owner,
        record.taskId,
        record.contextId,
        record.state,
        record.statusMs,
        record.seq,
        JSON.stringify(record.task),
      ],
    );
    return rows.length === 1;
  }

  async get(tenant: string, owner: string, taskId: string): Promise<TaskRecord | undefined> {
    const rows = await this.sql<TaskRow>(
      `SELECT * FROM status_bus_a2a_tasks WHERE tenant = $1 AND owner = $2 AND task_id = $3`,
      [tenant, owner, taskId],
    );
    return rows[0] && recordOf(rows[0]);
  }

  async list(tenant: string, owner: string, query: TaskQuery): Promise<TaskPage> {
    const params: unknown[] = [tenant, owner];
    const where = ['tenant = $1', 'owner = $2'];
    if (query.contextId !== undefined) where.push(`context_id = $${params.push(query.contextId)}`);
    if (query.state !== undefined) where.push(`state = $${params.push(query.state)}`);
    if (query.statusAfterMs !== undefined) {
      where.push(`status_ms > $${params.push(query.statusAfterMs)}`);
    }
    const matching = where.join(' AND ');
    const [counted] = await this.sql<{ total: string }>(
      `SELECT count(*) AS total FROM status_bus_a2a_tasks WHERE ${matching}`,
      params,
    );
    if (query.after) {
      const ms = params.push(query.after.statusMs);
      const id = params.push(query.after.taskId);
      where.push(`(status_ms, task_id COLLATE "C") < ($${ms}, $${id} COLLATE "C")`);
    }
    const rows = await this.sql<TaskRow>(
      `SELECT * FROM status_bus_a2a_tasks WHERE ${where.join(' AND ')}
        ORDER BY status_ms DESC, task_id COLLATE "C" DESC LIMIT $${params.push(query.limit)}`,
      params,
    );
    return { records: rows.map(recordOf), total: Number(counted?.total ?? 0) };
  }
}

function recordOf(row: TaskRow): TaskRecord {
  return {
    tenant: row.tenant,
    owner: row.owner,
    taskId: row.task_id,
    contextId: row.context_id,
    state: row.state,
    statusMs: Number(row.status_ms),
    seq: Number(row.seq),
    task: row.task,
  };
}
