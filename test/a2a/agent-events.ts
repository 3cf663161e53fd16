import { Message, Task, TaskStatusUpdateEvent } from '@a2a-js/sdk';
import { AgentEvent } from '@a2a-js/sdk/server';
import type { AgentExecutionEvent, RequestContext } from '@a2a-js/sdk/server';

/** The task of `request`, submitted, with the given history (the user's message, say). */
export function submitted(request: RequestContext, history: Message[] = []): AgentExecutionEvent {
  return AgentEvent.task(
    Task.fromJSON({
      id: request.taskId,
      contextId: request.contextId,
      status: { state: 'TASK_STATE_SUBMITTED', timestamp: new Date().toISOString() },
      history: history.map((m) => Message.toJSON(m)),
    }),
  );
}

/** A status update of `request`'s task: `state`, with `text` as the agent's message if given. */
export function statusOf(
  request: RequestContext,
  state: string,
  text?: string,
): AgentExecutionEvent {
  const { taskId, contextId } = request;
  return AgentEvent.statusUpdate(
    TaskStatusUpdateEvent.fromJSON({
      taskId,
      contextId,
      status: {
        state,
        timestamp: new Date().toISOString(),
        ...(text && {
          message: { messageId: `${taskId}-${text}`, role: 'ROLE_AGENT', parts: [{ text }] },
        }),
      },
    }),
  );
}
