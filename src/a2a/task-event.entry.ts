import {
  Part,
  StreamResponse,
  Task,
  TaskState,
  taskStateToJSON,
  TaskStatusUpdateEvent,
} from '@a2a-js/sdk';
import { AgentEvent } from '@a2a-js/sdk/server';
import type { AgentExecutionEvent } from '@a2a-js/sdk/server';
import type { StatusEntry } from '../entry/status-entry';
import type { StatusLevel } from '../entry/status-level';
import { A2A_STATUS_LEVELS } from './a2a-states';

/**
 * The key under which every event a stream delivers, and every task the store returns, carries
 * its position on the bus: the `Last-Event-ID` to resume a `SubscribeToTask` from.
 */
export const A2A_SEQ_KEY = 'status_bus_seq';

/** The bus action of each kind of A2A event, and of a cancel request. */
export const A2A_ACTIONS = Object.freeze({
  task: 'a2a.task',
  statusUpdate: 'a2a.status',
  artifactUpdate: 'a2a.artifact',
  message: 'a2a.message',
  cancel: 'a2a.cancel',
});

/** Longest `detail` derived from an event's text: a line a dashboard shows and a voice says. */
const MAX_DETAIL = 2000;

/** What a task event is stored as: the fields of the entry posted for it. */
export interface TaskEventPost {
  action: string;
  status: StatusLevel;
  detail: string;
  metadata: {
    task_id: string;
    context_id: string;
    tenant?: string;
    a2a_state?: string;
    /** The event in the A2A wire form (`StreamResponse` JSON). */
    a2a: unknown;
  };
}

/** The position a task or event stands at: its `status_bus_seq`, `0` when it has none. */
export function positionOf(metadata: Record<string, unknown> | undefined): number {
  const seq = metadata?.[A2A_SEQ_KEY];
  return typeof seq === 'number' && Number.isSafeInteger(seq) && seq > 0 ? seq : 0;
}

/** The task an event belongs to, when it names one. */
export function taskIdOf(event: AgentExecutionEvent): string | undefined {
  const id = event.kind === 'task' ? event.data.id : event.data.taskId;
  return id || undefined;
}

/** The context (conversation) an event belongs to, when it names one. */
export function contextIdOf(event: AgentExecutionEvent): string | undefined {
  return event.data.contextId || undefined;
}

/** The entry that stores `event` of task `taskId` (of `tenant`, `''` for none). */
export function postOfEvent(
  event: AgentExecutionEvent,
  taskId: string,
  contextId: string,
  tenant: string,
): TaskEventPost {
  const state = stateOf(event);
  const status: StatusLevel = state === undefined ? 'info' : A2A_STATUS_LEVELS[state];
  const metadata: TaskEventPost['metadata'] = {
    task_id: taskId,
    context_id: contextId,
    a2a: StreamResponse.toJSON({ payload: { $case: event.kind, value: event.data } as never }),
  };
  if (tenant) metadata.tenant = tenant;
  if (state !== undefined) metadata.a2a_state = taskStateToJSON(state);
  return {
    action: A2A_ACTIONS[event.kind],
    status: status ?? 'info',
    detail: detailOf(event).slice(0, MAX_DETAIL),
    metadata,
  };
}

/**
 * The A2A event an entry stores, with its position under {@link A2A_SEQ_KEY}; `undefined` for an
 * entry that stores none.
 */
export function eventOfEntry(entry: StatusEntry): AgentExecutionEvent | undefined {
  const wire = entry.metadata.a2a;
  if (typeof wire !== 'object' || wire === null) return undefined;
  const payload = StreamResponse.fromJSON(wire).payload;
  if (!payload) return undefined;
  const data = payload.value as { metadata?: Record<string, unknown> };
  data.metadata = { ...data.metadata, [A2A_SEQ_KEY]: entry.seq };
  return { kind: payload.$case, data } as AgentExecutionEvent;
}

/**
 * What stands on the bus in place of an event it could not store (too large, say): the task
 * failed, saying why. A task or message event becomes a failed task, which the SDK records even
 * when nothing of the task was stored before; an update becomes a failed status update. Kept
 * small (no history, no artifacts) so that it can be stored where the event could not.
 */
export function failureOf(
  event: AgentExecutionEvent,
  taskId: string,
  contextId: string,
  reason: string,
): AgentExecutionEvent {
  const status = {
    state: 'TASK_STATE_FAILED',
    timestamp: new Date().toISOString(),
    message: {
      messageId: `${taskId}-not-stored-${Date.now()}`,
      taskId,
      contextId,
      role: 'ROLE_AGENT',
      parts: [{ text: `The task's ${event.kind} event could not be stored: ${reason}` }],
    },
  };
  if (event.kind === 'task' || event.kind === 'message') {
    return AgentEvent.task(Task.fromJSON({ id: taskId, contextId, status }));
  }
  return AgentEvent.statusUpdate(TaskStatusUpdateEvent.fromJSON({ taskId, contextId, status }));
}

/** The task state an event reports, if any. */
export function stateOf(event: AgentExecutionEvent): TaskState | undefined {
  if (event.kind === 'statusUpdate' || event.kind === 'task') return event.data.status?.state;
  return undefined;
}

function detailOf(event: AgentExecutionEvent): string {
  switch (event.kind) {
    case 'task':
    case 'statusUpdate':
      return textOf(event.data.status?.message?.parts);
    case 'artifactUpdate': {
      const artifact = event.data.artifact;
      const text = textOf(artifact?.parts);
      return [artifact?.name, text].filter(Boolean).join(': ');
    }
    case 'message':
      return textOf(event.data.parts);
  }
}

function textOf(parts: readonly Part[] | undefined): string {
  const texts: string[] = [];
  for (const part of parts ?? []) {
    if (part.content?.$case === 'text') texts.push(part.content.value);
  }
  return texts.join(' ');
}
