import { Message, Task, TaskStatusUpdateEvent } from '@a2a-js/sdk';
import { AgentEvent } from '@a2a-js/sdk/server';
import type { AgentExecutor, ExecutionEventBus, RequestContext } from '@a2a-js/sdk/server';

const now = () => new Date().toISOString();

function status(request: RequestContext, state: string, text?: string): TaskStatusUpdateEvent {
  const { taskId, contextId } = request;
  return TaskStatusUpdateEvent.fromJSON({
    taskId,
    contextId,
    status: {
      state,
      timestamp: now(),
      ...(text && {
        message: { messageId: `${taskId}-${text}`, role: 'ROLE_AGENT', parts: [{ text }] },
      }),
    },
  });
}

/**
 * An executor written as the SDK's own samples write one: the task, a working update, the final
 * `completed` update, then `finished()` at once, with no pause for anything.
 */
export class FinishingAgent implements AgentExecutor {
  execute = async (request: RequestContext, bus: ExecutionEventBus): Promise<void> => {
    if (!request.task) {
      bus.publish(
        AgentEvent.task(
          Task.fromJSON({
            id: request.taskId,
            contextId: request.contextId,
            status: { state: 'TASK_STATE_SUBMITTED', timestamp: now() },
            history: [],
          }),
        ),
      );
    }
    bus.publish(AgentEvent.statusUpdate(status(request, 'TASK_STATE_WORKING', 'working')));
    bus.publish(AgentEvent.statusUpdate(status(request, 'TASK_STATE_COMPLETED', 'done')));
    bus.finished();
  };

  cancelTask = async (): Promise<void> => {};
}

/** An executor that fails before publishing anything: the SDK publishes the failed task. */
export class FailingAgent implements AgentExecutor {
  execute = async (): Promise<void> => {
    throw new Error('the tool is down');
  };

  cancelTask = async (): Promise<void> => {};
}

/**
 * An executor that copies the user's message into the task's history, as the SDK's samples do,
 * then works and completes.
 */
export class CopyingAgent implements AgentExecutor {
  execute = async (request: RequestContext, bus: ExecutionEventBus): Promise<void> => {
    bus.publish(
      AgentEvent.task(
        Task.fromJSON({
          id: request.taskId,
          contextId: request.contextId,
          status: { state: 'TASK_STATE_SUBMITTED', timestamp: now() },
          history: [Message.toJSON(request.userMessage)],
        }),
      ),
    );
    bus.publish(AgentEvent.statusUpdate(status(request, 'TASK_STATE_COMPLETED', 'done')));
    bus.finished();
  };

  cancelTask = async (): Promise<void> => {};
}
