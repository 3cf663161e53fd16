import { RequestMalformedError } from '@a2a-js/sdk/errors';
import type { Task } from '@a2a-js/sdk';
import type {
  AgentExecutionEvent,
  ExecutionEventBus,
  ExecutionEventBusManager,
  ServerCallContext,
} from '@a2a-js/sdk/server';
import {
  Inject,
  Injectable,
  Logger,
  OnApplicationShutdown,
  OnModuleInit,
  Optional,
} from '@nestjs/common';
import type { Unsubscribe } from '../delivery/status-subscriber';
import type { StatusEntry } from '../entry/status-entry';
import { POST_RESERVED } from '../entry/reserved-names';
import { STATUS_BUS_SERVICE } from '../status-bus.constants';
import { StatusBusService } from '../status-bus.service';
import { BoundedMap } from '../util/bounded-map';
import { resolveA2aBusOptions, STATUS_BUS_A2A_OPTIONS } from './resolve-a2a-options';
import type { ResolvedA2aBusOptions } from './resolve-a2a-options';
import { TaskEventChannel } from './task-event-channel';
import { TaskEnds } from './task-ends';
import { TaskEventWriter, type TaskPlace } from './task-event.writer';
import { headersOf, keyOf, lastEventId, tenantOf } from './call-context';
import { A2A_ACTIONS, A2A_SEQ_KEY, eventOfEntry, positionOf } from './task-event.entry';

/** The states after which a task changes no more, as stored in `metadata.a2a_state`. */
const TERMINAL_STATES = new Set([
  'TASK_STATE_COMPLETED',
  'TASK_STATE_FAILED',
  'TASK_STATE_CANCELED',
  'TASK_STATE_REJECTED',
]);

/** Told of a cancel request for a task, from any instance. */
export type CancelListener = (taskId: string, tenant: string) => void;

/**
 * The SDK's `ExecutionEventBusManager` on the bus. Every bus it hands out is a
 * {@link TaskEventChannel}: what the executor publishes is stored as an entry in the task's room
 * (`metadata.task_id` the task's id), and every channel of the task, on every instance sharing
 * the store, receives it from there, in log order, once. So a stream served by one instance
 * follows an executor running on another, and survives the restart of either.
 *
 * `getByTaskId` answers a channel for any task, for the bus cannot tell synchronously whether an
 * executor runs it on another instance; with a `Last-Event-ID` header (the `status_bus_seq` of
 * the last event a client received) the channel first replays the task's events after it.
 * Delivery is deferred (through the log), so the manager settles the buses itself
 * (`settleByTaskId`): a channel finishes once its executor has returned and its own events have
 * come back to it.
 */
@Injectable()
export class StatusBusExecutionEventBusManager
  implements ExecutionEventBusManager, OnModuleInit, OnApplicationShutdown
{
  private readonly logger = new Logger('StatusBusA2a');
  private readonly options: ResolvedA2aBusOptions;
  private readonly channels = new Map<string, Set<TaskEventChannel>>();
  private readonly places = new BoundedMap<string, TaskPlace>(10_000);
  private readonly ends = new TaskEnds();
  private readonly writer: TaskEventWriter;
  private readonly cancelListeners = new Set<CancelListener>();
  /**
   * Per call, the tasks the store answered to it: a resubscription starts where the task the
   * client was sent stands (the SDK loads it before a cancel, after opening a resubscription).
   */
  private readonly loads = new WeakMap<ServerCallContext, Map<string, Task | undefined>>();
  /** Resubscriptions waiting for the store's answer to their call. */
  private readonly waiting = new Set<TaskEventChannel>();
  /** Per request (its headers object, which its call context holds), the channels it follows. */
  private readonly following = new WeakMap<object, Set<TaskEventChannel>>();
  /** The last position the bus has delivered here. */
  private position = 0;
  private unsubscribe: Unsubscribe | undefined;

  /** @internal Nest injects it. */
  constructor(
    @Inject(STATUS_BUS_SERVICE) private readonly bus: StatusBusService,
    @Optional() @Inject(STATUS_BUS_A2A_OPTIONS) options?: ResolvedA2aBusOptions,
  ) {
    this.options = options ?? resolveA2aBusOptions();
    this.writer = new TaskEventWriter(bus, this.options, this.places);
  }

  async onModuleInit(): Promise<void> {
    this.unsubscribe = await this.bus.subscribe((entry) => this.route(entry));
    const [last] = await this.bus.recent(1);
    this.position = Math.max(this.position, last?.seq ?? 0);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.unsubscribe?.();
    for (const channels of [...this.channels.values()]) {
      for (const channel of [...channels]) channel.end();
    }
  }

  createOrGetByTaskId(taskId: string, context?: ServerCallContext): ExecutionEventBus {
    return this.open(taskId, context, this.position);
  }

  /**
   * A channel that follows a task from where the client stands: after its `Last-Event-ID`, or
   * without one after the task the store answers to the same call (its `status_bus_seq`), so
   * that the events after that snapshot follow it, none skipped. Nothing is read from the log
   * before the store has answered: a task the caller may not see, or that does not exist,
   * costs no read.
   */
  getByTaskId(taskId: string, context?: ServerCallContext): ExecutionEventBus | undefined {
    lastEventId(context); // A malformed header is refused before anything is opened.
    const channel = this.open(taskId, context, undefined);
    const headers = headersOf(context);
    if (headers) {
      const channels = this.following.get(headers) ?? new Set();
      channels.add(channel);
      this.following.set(headers, channels);
    }
    const loaded = context && this.loads.get(context);
    if (loaded?.has(taskId)) this.start(channel, loaded.get(taskId));
    else this.waiting.add(channel);
    return channel;
  }

  /**
   * The store's answer to a call, on its way to the SDK: starts the call's resubscription to
   * the task there. A `Last-Event-ID` beyond the newest position on the bus is refused: it was
   * never sent, and following from it would skip every entry up to it.
   */
  async loaded(
    taskId: string,
    context: ServerCallContext,
    task: Task | undefined,
  ): Promise<Task | undefined> {
    const channels = [...this.waiting].filter((c) => c.context === context && c.taskId === taskId);
    const resume = lastEventId(context);
    if (channels.length > 0 && resume !== undefined && resume > this.position) {
      const head = await this.head();
      if (resume > head) {
        for (const channel of channels) this.start(channel, undefined);
        throw new RequestMalformedError(
          `Last-Event-ID ${resume} is beyond the newest position on the bus (${head}): resume ` +
            `from the id of the last event received.`,
        );
      }
    }
    const tasks = this.loads.get(context) ?? new Map<string, Task | undefined>();
    tasks.set(taskId, task);
    this.loads.set(context, tasks);
    for (const channel of channels) this.start(channel, task);
    return task;
  }

  /** The request of `headers` has ended (its client may have left): its followers end. */
  requestEnded(headers: object): void {
    for (const channel of this.following.get(headers) ?? []) channel.end();
    this.following.delete(headers);
  }

  cleanupByTaskId(taskId: string, context?: ServerCallContext): void {
    const channels = this.channels.get(keyOf(tenantOf(context), taskId));
    for (const channel of [...(channels ?? [])]) channel.end();
  }

  settleByTaskId(taskId: string, eventBus: ExecutionEventBus): boolean {
    if (!(eventBus instanceof TaskEventChannel)) return false;
    eventBus.settle();
    return true;
  }

  /** Calls `listener` with every cancel request posted for a task, on any instance. */
  onCancelRequest(listener: CancelListener): () => void {
    this.cancelListeners.add(listener);
    return () => this.cancelListeners.delete(listener);
  }

  /**
   * Asks every instance to cancel a task (the one running it does) and resolves whether the task
   * ended within `cancelTimeoutMs`.
   */
  async requestCancel(taskId: string, tenant: string): Promise<boolean> {
    const key = keyOf(tenant, taskId);
    const ended = this.ends.wait(key, this.options.cancelTimeoutMs);
    const place = this.places.get(key);
    this.bus[POST_RESERVED](this.options.agentId, A2A_ACTIONS.cancel, 'pending', {
      detail: `cancel of task ${taskId} requested`,
      metadata: tenant ? { task_id: taskId, tenant } : { task_id: taskId },
      roomId: place?.room,
    });
    return ended;
  }

  /** Stores `event` (see `TaskEventWriter.publish`): never throws. */
  publish(channel: TaskEventChannel, event: AgentExecutionEvent): string | undefined {
    return this.writer.publish(channel, event);
  }

  attach(channel: TaskEventChannel): void {
    const key = keyOf(channel.tenant, channel.taskId);
    const channels = this.channels.get(key) ?? new Set();
    channels.add(channel);
    this.channels.set(key, channels);
    if (channel.after !== undefined) void this.follow(channel);
  }

  detach(channel: TaskEventChannel): void {
    this.waiting.delete(channel);
    const key = keyOf(channel.tenant, channel.taskId);
    const channels = this.channels.get(key);
    channels?.delete(channel);
    if (channels?.size === 0) this.channels.delete(key);
  }

  /**
   * Starts a resubscription after its `Last-Event-ID`, or else after the position of `task` as
   * the client is sent it; ends it when there is no such task for the caller.
   */
  private start(channel: TaskEventChannel, task: Task | undefined): void {
    this.waiting.delete(channel);
    if (!task) return channel.end();
    channel.after = lastEventId(channel.context) ?? positionOf(task.metadata);
    channel.contextId ??= task.contextId || undefined;
    if (channel.listening) void this.follow(channel);
  }

  /** The newest position in the store, `0` when empty. */
  private async head(): Promise<number> {
    const [last] = await this.bus.recent(1);
    return Math.max(this.position, last?.seq ?? 0);
  }

  private open(
    taskId: string,
    context: ServerCallContext | undefined,
    after: number | undefined,
  ): TaskEventChannel {
    const tenant = tenantOf(context);
    const place = this.places.get(keyOf(tenant, taskId));
    return new TaskEventChannel(this, taskId, tenant, after, place?.contextId, context);
  }

  /** Routes an entry of the bus to the channels of its task. */
  private route(entry: StatusEntry): void {
    const seq = entry.seq!;
    if (seq > this.position) this.position = seq;
    if (!this.isOwn(entry)) return;
    const {
      task_id: taskId,
      tenant = '',
      context_id: contextId,
      a2a_state: state,
    } = entry.metadata;
    if (typeof taskId !== 'string' || typeof tenant !== 'string') return;
    if (entry.action === A2A_ACTIONS.cancel) {
      for (const listener of this.cancelListeners) listener(taskId, tenant);
      return;
    }
    const key = keyOf(tenant, taskId);
    if (typeof contextId === 'string') {
      const place = this.places.get(key);
      if (place?.room !== entry.roomId || place.contextId !== contextId) {
        this.places.set(key, { room: entry.roomId, contextId });
      }
    }
    if (typeof state === 'string' && TERMINAL_STATES.has(state)) this.ends.ended(key);
  }

  /**
   * Whether the entry is one this agent's part wrote: only those are task events. The bus's
   * public doors refuse the `a2a.` namespace, so nobody else can write one; the agent id keeps
   * two agents on one bus apart.
   */
  private isOwn(entry: StatusEntry): boolean {
    return entry.action.startsWith('a2a.') && entry.agentId === this.options.agentId;
  }

  /**
   * Gives `channel` the task's events after its position: a subscription of its own, after that
   * position, in the task's room (when known), so that what it missed comes from the log and the
   * rest live, in order, none twice, none skipped. When the log cannot give them all (the
   * position is older than the store keeps, or beyond the newest one), the channel ends: its
   * client resumes, or reads the task again.
   */
  private async follow(channel: TaskEventChannel): Promise<void> {
    const { taskId, tenant, contextId } = channel;
    const room =
      this.places.get(keyOf(tenant, taskId))?.room ??
      (contextId === undefined ? undefined : this.options.room({ taskId, contextId, tenant }));
    const lost = (err: unknown) => {
      this.logger.warn(
        `Task ${taskId}: its events after ${A2A_SEQ_KEY} ${channel.after} cannot all be ` +
          `given (${err instanceof Error ? err.message : String(err)}); its stream ends.`,
      );
      channel.end();
    };
    try {
      const stop = await this.bus.subscribe((entry) => this.deliver(channel, entry), {
        ...(room === undefined ? {} : { roomId: room }),
        after: channel.after!,
        onLost: lost,
      });
      channel.follow(stop);
    } catch (err) {
      lost(err);
    }
  }

  /** Hands `channel` an entry of its subscription when it is an event of its task. */
  private deliver(channel: TaskEventChannel, entry: StatusEntry): void {
    if (!this.isOwn(entry) || entry.action === A2A_ACTIONS.cancel) return;
    const { task_id: taskId, tenant = '' } = entry.metadata;
    if (taskId !== channel.taskId || tenant !== channel.tenant) return;
    const event = eventOfEntry(entry);
    if (event) channel.receive(entry, event);
  }
}
