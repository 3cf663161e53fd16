import { TaskState } from '@a2a-js/sdk';
import type { StatusLevel } from '../entry/status-level';

/**
 * The bus status of each A2A task state, so that the delegation guard, the snapshot and voice
 * delivery read A2A tasks as they read any agent: a task that ends badly (failed, rejected or
 * canceled) is `failed`, one that waits for someone (submitted, input or auth required) is
 * `pending`, one at work is `info`.
 */
export const A2A_STATUS_LEVELS: Readonly<Record<TaskState, StatusLevel>> = Object.freeze({
  [TaskState.UNRECOGNIZED]: 'info',
  [TaskState.TASK_STATE_UNSPECIFIED]: 'info',
  [TaskState.TASK_STATE_SUBMITTED]: 'pending',
  [TaskState.TASK_STATE_WORKING]: 'info',
  [TaskState.TASK_STATE_COMPLETED]: 'completed',
  [TaskState.TASK_STATE_FAILED]: 'failed',
  [TaskState.TASK_STATE_CANCELED]: 'failed',
  [TaskState.TASK_STATE_INPUT_REQUIRED]: 'pending',
  [TaskState.TASK_STATE_REJECTED]: 'failed',
  [TaskState.TASK_STATE_AUTH_REQUIRED]: 'pending',
});

const TERMINAL: ReadonlySet<TaskState> = new Set([
  TaskState.TASK_STATE_COMPLETED,
  TaskState.TASK_STATE_FAILED,
  TaskState.TASK_STATE_CANCELED,
  TaskState.TASK_STATE_REJECTED,
]);

/** Whether a task in `state` is over: nothing more happens to it. */
export function isTerminal(state: TaskState | undefined): boolean {
  return state !== undefined && TERMINAL.has(state);
}
