import { keyPart, type ScriptPort } from '../backends/script-port';
import { pageOf, TaskPage, TaskQuery, TaskRecord, TaskRecords } from './task-records';

/**
 * Stores a record in place of the one with its id unless that one reflects a later event.
 * KEYS: the scope's tasks (task id → record). ARGV: task id, seq, record. Answers 1 if stored.
 */
const PUT = `
local stored = redis.call('HGET', KEYS[1], ARGV[1])
if stored and tonumber(cjson.decode(stored).seq) > tonumber(ARGV[2]) then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
return 1
`;

const GET = `return redis.call('HGET', KEYS[1], ARGV[1])`;
const ALL = `return redis.call('HVALS', KEYS[1])`;

/**
 * The A2A tasks in Redis, beside the log and under its prefix: one hash per tenant and owner
 * (`a2a:tasks:<tenant><owner>`), shared by every instance on the server. A listing reads the
 * scope's tasks and sorts them here, as the SQL listing does in the database.
 */
export class RedisTaskRecords extends TaskRecords {
  constructor(private readonly scripts: ScriptPort) {
    super();
  }

  private scope(tenant: string, owner: string): string {
    return `a2a:tasks:${keyPart(tenant)}${owner}`;
  }

  async put(record: TaskRecord): Promise<boolean> {
    const key = this.scope(record.tenant, record.owner);
    const args = [record.taskId, record.seq, JSON.stringify(record)];
    return (await this.scripts.run<number>(PUT, [key], args)) === 1;
  }

  async get(tenant: string, owner: string, taskId: string): Promise<TaskRecord | undefined> {
    const json = await this.scripts.run<string | null>(GET, [this.scope(tenant, owner)], [taskId]);
    return json === null ? undefined : (JSON.parse(json) as TaskRecord);
  }

  async list(tenant: string, owner: string, query: TaskQuery): Promise<TaskPage> {
    const all = await this.scripts.run<string[]>(ALL, [this.scope(tenant, owner)], []);
    return pageOf(
      all.map((json) => JSON.parse(json) as TaskRecord),
      query,
    );
  }
}
