import { RequestMalformedError } from '@a2a-js/sdk/errors';
import type { AgentExecutionEvent } from '@a2a-js/sdk/server';
import { Logger } from '@nestjs/common';
import { POST_RESERVED } from '../entry/reserved-names';
import type { StatusBusService } from '../status-bus.service';
import type { BoundedMap } from '../util/bounded-map';
import { keyOf } from './call-context';
import type { ResolvedA2aBusOptions } from './resolve-a2a-options';
import type { TaskEventChannel } from './task-event-channel';
import { contextIdOf, failureOf, postOfEvent, taskIdOf } from './task-event.entry';

/** Where a task's entries are: its room and its context. */
export interface TaskPlace {
  room: string;
  contextId: string;
}

/** Stores what channels publish as entries of their tasks' rooms, in the A2A namespace. */
export class TaskEventWriter {
  private readonly logger = new Logger('StatusBusA2a');

  constructor(
    private readonly bus: StatusBusService,
    private readonly options: ResolvedA2aBusOptions,
    /** Where each task's entries go, learnt from what is stored and read. */
    private readonly places: BoundedMap<string, TaskPlace>,
  ) {}

  /**
   * Stores `event`. Never throws: it is called from executors and from the SDK's own `.catch`
   * handlers, where a throw is an unhandled rejection that ends the process. An event the bus
   * cannot store fails its task instead (`failureOf`); one that cannot even be placed in
   * a task is logged and dropped.
   */
  publish(channel: TaskEventChannel, event: AgentExecutionEvent): string | undefined {
    const taskId = taskIdOf(event) ?? channel.taskId;
    try {
      return this.store(channel, event);
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      const contextId = contextIdOf(event) ?? channel.contextId;
      this.logger.error(
        `Task ${taskId}: its ${event.kind} event could not be stored (${reason})` +
          (contextId === undefined ? '; it is dropped.' : '; the task is failed instead.'),
      );
      if (contextId === undefined) return undefined;
      try {
        return this.store(channel, failureOf(event, taskId, contextId, reason));
      } catch (again) {
        this.logger.error(
          `Task ${taskId}: its failure could not be stored either ` +
            `(${again instanceof Error ? again.message : String(again)}).`,
        );
        return undefined;
      }
    }
  }

  /** Stores `event` as an entry of its task's room; throws what the bus throws. */
  private store(channel: TaskEventChannel, event: AgentExecutionEvent): string | undefined {
    const taskId = taskIdOf(event) ?? channel.taskId;
    const tenant = channel.tenant;
    const key = keyOf(tenant, taskId);
    const own = taskId === channel.taskId;
    const place = this.places.get(key);
    const contextId =
      contextIdOf(event) ?? (own ? channel.contextId : undefined) ?? place?.contextId;
    if (contextId === undefined) {
      throw new RequestMalformedError(
        `An event of task ${taskId} names no contextId, and no earlier event of the task did.`,
      );
    }
    if (own) channel.contextId ??= contextId;
    const room = this.options.room({ taskId, contextId, tenant });
    // Written only when it changes: most events of a task stand where the one before did.
    if (place?.room !== room || place.contextId !== contextId) {
      this.places.set(key, { room, contextId });
    }
    const post = postOfEvent(event, taskId, contextId, tenant);
    const entry = this.bus[POST_RESERVED](this.options.agentId, post.action, post.status, {
      detail: post.detail,
      metadata: post.metadata,
      roomId: room,
    });
    return own ? entry.id : undefined;
  }
}
