import { TaskState } from '@a2a-js/sdk';
import { AgentEvent } from '@a2a-js/sdk/server';
import type {
  AgentExecutor,
  ExecutionEventBus,
  RequestContext,
  TaskStore,
} from '@a2a-js/sdk/server';
import { Logger } from '@nestjs/common';
import { StatusBusExecutionEventBusManager } from './status-bus-execution-event-bus.manager';
import { TaskEventChannel } from './task-event-channel';

/**
 * The user's executor, served by several instances: a cancel reaches the executor that runs the
 * task, on whichever instance it runs. A cancel received by an instance that does not run it is
 * posted on the bus; the instance that does hands it to its executor. When no instance ends the
 * task within `cancelTimeoutMs` (its executor died with its instance), the task is canceled here.
 */
export class StatusBusAgentExecutor implements AgentExecutor {
  private readonly logger = new Logger('StatusBusA2a');
  /** The buses of the tasks this instance's executor runs now. */
  private readonly running = new Map<string, ExecutionEventBus>();

  constructor(
    private readonly agent: AgentExecutor,
    private readonly manager: StatusBusExecutionEventBusManager,
    private readonly store: TaskStore,
  ) {
    manager.onCancelRequest((taskId, tenant) => this.cancelRequested(taskId, tenant));
  }

  execute = async (request: RequestContext, bus: ExecutionEventBus): Promise<void> => {
    const key = keyOf(request.context?.tenant ?? '', request.taskId);
    this.running.set(key, bus);
    try {
      await this.agent.execute(request, bus);
    } finally {
      if (this.running.get(key) === bus) this.running.delete(key);
    }
  };

  cancelTask = async (taskId: string, bus: ExecutionEventBus): Promise<void> => {
    const channel = bus instanceof TaskEventChannel ? bus : undefined;
    const tenant = channel?.tenant ?? '';
    if (this.running.has(keyOf(tenant, taskId)) || !channel) {
      return this.agent.cancelTask(taskId, bus);
    }
    if (await this.manager.requestCancel(taskId, tenant)) return;
    const task = channel.context && (await this.store.load(taskId, channel.context));
    this.logger.warn(`Task ${taskId}: no instance ended it on cancel; canceling it here.`);
    bus.publish(
      AgentEvent.statusUpdate({
        taskId,
        contextId: task?.contextId ?? channel.contextId ?? '',
        status: {
          state: TaskState.TASK_STATE_CANCELED,
          message: undefined,
          timestamp: new Date().toISOString(),
        },
        metadata: {},
      }),
    );
  };

  /** A cancel posted by another instance: handed to the executor when it runs the task here. */
  private cancelRequested(taskId: string, tenant: string): void {
    const bus = this.running.get(keyOf(tenant, taskId));
    if (!bus) return;
    this.agent.cancelTask(taskId, bus).catch((err: unknown) => {
      this.logger.error(
        `Task ${taskId}: the executor failed to cancel it: ${err instanceof Error ? err.message : String(err)}`,
      );
    });
  }
}

function keyOf(tenant: string, taskId: string): string {
  return `${tenant}\u0000${taskId}`;
}
