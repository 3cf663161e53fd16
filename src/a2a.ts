/**
 * `nest-status-bus/a2a`: A2A agents on the bus (`@a2a-js/sdk`, an optional peer). Their tasks are
 * kept in the bus's store and their events are entries of the log, so several instances serve
 * one agent: a stream follows a task whichever instance runs it, and resumes from any.
 */
export { StatusBusA2aModule, STATUS_BUS_A2A_HANDLER } from './a2a/status-bus-a2a.module';
export type {
  A2aTaskScope,
  StatusBusA2aAsyncOptions,
  StatusBusA2aBusOptions,
  StatusBusA2aOptions,
} from './a2a/status-bus-a2a-options.interface';
export { STATUS_BUS_A2A_OPTIONS } from './a2a/resolve-a2a-options';
export { StatusBusTaskStore } from './a2a/status-bus-task.store';
export { StatusBusExecutionEventBusManager } from './a2a/status-bus-execution-event-bus.manager';
export { StatusBusAgentExecutor } from './a2a/status-bus-agent-executor';
export { TaskEventChannel } from './a2a/task-event-channel';
export type { TaskEventListener, TaskFinishedListener } from './a2a/task-event-channel';
export type { CancelListener } from './a2a/status-bus-execution-event-bus.manager';
export { A2A_STATUS_LEVELS } from './a2a/a2a-states';
export { A2A_ACTIONS, A2A_SEQ_KEY } from './a2a/task-event.entry';
