import { ListTasksRequest, ListTasksResponse, Task } from '@a2a-js/sdk';
import { RequestMalformedError } from '@a2a-js/sdk/errors';
import { resolveUserScope } from '@a2a-js/sdk/server';
import type { ServerCallContext, TaskStore } from '@a2a-js/sdk/server';
import { Inject, Injectable, Optional } from '@nestjs/common';
import { StatusBackend } from '../backends/status-backend';
import { STATUS_BACKEND } from '../status-bus.constants';
import { PostgresTaskRecords } from './postgres-task-records';
import { RedisTaskRecords } from './redis-task-records';
import { STATUS_BUS_A2A_OPTIONS } from './resolve-a2a-options';
import type { ResolvedA2aBusOptions } from './resolve-a2a-options';
import { positionOf } from './task-event.entry';
import { InMemoryTaskRecords, TaskCursor, TaskRecord, TaskRecords } from './task-records';

/** The SDK's page size when a listing names none. */
const DEFAULT_PAGE_SIZE = 50;

/**
 * The SDK's `TaskStore` on the bus's store: in PostgreSQL (`status_bus_a2a_tasks`) or Redis
 * (`a2a:tasks:…` under the bus's prefix) when the bus is, so that every instance serving the
 * agent reads the tasks any of them wrote and a restart loses none; in this process otherwise. Scoped as the SDK documents: by `context.tenant`, then
 * by owner (`owner` option, the authenticated user's name by default), so a caller sees only its
 * own tasks.
 *
 * A task written from a stream's events carries the bus position of the last one
 * (`metadata.status_bus_seq`); a save holding an older position than the stored task's is
 * ignored, so two instances applying the same task's events cannot set it back.
 */
@Injectable()
export class StatusBusTaskStore implements TaskStore {
  private readonly records: TaskRecords;
  private readonly owner: (context: ServerCallContext) => string;

  /** @internal Nest injects it. */
  constructor(
    @Inject(STATUS_BACKEND) backend: StatusBackend,
    @Optional() @Inject(STATUS_BUS_A2A_OPTIONS) options?: ResolvedA2aBusOptions,
  ) {
    this.records = backend.sql
      ? new PostgresTaskRecords(backend.sql)
      : backend.scripts
        ? new RedisTaskRecords(backend.scripts)
        : new InMemoryTaskRecords();
    this.owner = options?.owner ?? resolveUserScope;
  }

  async save(task: Task, context: ServerCallContext): Promise<void> {
    if (typeof task?.id !== 'string' || task.id === '') {
      throw new RequestMalformedError('A task to save must have an id.');
    }
    await this.records.put({
      ...this.scope(context),
      taskId: task.id,
      contextId: task.contextId ?? '',
      state: task.status?.state ?? 0,
      statusMs: timeOf(task.status?.timestamp),
      seq: positionOf(task.metadata),
      task: Task.toJSON(task),
    });
  }

  async load(taskId: string, context: ServerCallContext): Promise<Task | undefined> {
    const { tenant, owner } = this.scope(context);
    const record = await this.records.get(tenant, owner, taskId);
    return record && Task.fromJSON(record.task);
  }

  async list(params: ListTasksRequest, context: ServerCallContext): Promise<ListTasksResponse> {
    const pageSize = params.pageSize ?? DEFAULT_PAGE_SIZE;
    const { tenant, owner } = this.scope(context);
    const after = params.statusTimestampAfter;
    const page = await this.records.list(tenant, owner, {
      contextId: params.contextId || undefined,
      state: params.status || undefined,
      statusAfterMs: after ? timeOf(after) : undefined,
      after: params.pageToken ? cursorOf(params.pageToken) : undefined,
      // One more than the page, to tell whether another page follows.
      limit: pageSize + 1,
    });
    const records = page.records.slice(0, pageSize);
    const last = records.at(-1);
    return {
      tasks: records.map((record) => {
        const task = Task.fromJSON(record.task);
        if (!params.includeArtifacts) task.artifacts = [];
        return task;
      }),
      nextPageToken: page.records.length > pageSize && last ? tokenOf(last) : '',
      pageSize,
      totalSize: page.total,
    };
  }

  private scope(context: ServerCallContext): Pick<TaskRecord, 'tenant' | 'owner'> {
    return { tenant: context?.tenant ?? '', owner: this.owner(context) };
  }
}

function timeOf(timestamp: string | undefined): number {
  const ms = timestamp ? Date.parse(timestamp) : NaN;
  return Number.isNaN(ms) ? -1 : ms;
}

function tokenOf(record: TaskCursor): string {
  return Buffer.from(JSON.stringify([record.statusMs, record.taskId])).toString('base64url');
}

function cursorOf(token: string): TaskCursor {
  try {
    const [statusMs, taskId] = JSON.parse(Buffer.from(token, 'base64url').toString()) as unknown[];
    if (Number.isSafeInteger(statusMs) && typeof taskId === 'string') {
      return { statusMs: statusMs as number, taskId };
    }
  } catch {
    // Not JSON: refused below like any other token this store did not issue.
  }
  throw new RequestMalformedError('pageToken is not a token this server issued.');
}
