import type { AgentExecutor, ExecutionEventBus, RequestContext } from '@a2a-js/sdk/server';
import { statusOf, submitted } from './agent-events';

/**
 * An executor written as the SDK's own samples write one: the task, a working update, the final
 * `completed` update, then `finished()` at once, with no pause for anything.
 */
export class FinishingAgent implements AgentExecutor {
  execute = async (request: RequestContext, bus: ExecutionEventBus): Promise<void> => {
    if (!request.task) bus.publish(submitted(request));
    bus.publish(statusOf(request, 'TASK_STATE_WORKING', 'working'));
    bus.publish(statusOf(request, 'TASK_STATE_COMPLETED', 'done'));
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
 * then completes.
 */
export class CopyingAgent implements AgentExecutor {
  execute = async (request: RequestContext, bus: ExecutionEventBus): Promise<void> => {
    bus.publish(submitted(request, [request.userMessage]));
    bus.publish(statusOf(request, 'TASK_STATE_COMPLETED', 'done'));
    bus.finished();
  };

  cancelTask = async (): Promise<void> => {};
}
