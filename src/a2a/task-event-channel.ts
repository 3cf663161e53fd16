import type {
  AgentExecutionEvent,
  ExecutionEventBus,
  ExecutionEventName,
  ServerCallContext,
} from '@a2a-js/sdk/server';
import { Logger } from '@nestjs/common';
import type { Unsubscribe } from '../delivery/status-subscriber';
import type { StatusEntry } from '../entry/status-entry';

/** Told each event of the task, in log order. */
export type TaskEventListener = (event: AgentExecutionEvent) => void;
/** Told once the task's events are all delivered. */
export type TaskFinishedListener = () => void;
type Listener = TaskEventListener | TaskFinishedListener;

/** What a channel needs from the manager that routes the bus's entries to it. @internal */
export interface ChannelHub {
  /** Stores `event` on the bus: the id of the entry posted, when it is of the channel's task. */
  publish(channel: TaskEventChannel, event: AgentExecutionEvent): string | undefined;
  /** Starts routing the task's entries after `channel.after` to the channel. */
  attach(channel: TaskEventChannel): void;
  /** Stops routing entries to the channel. */
  detach(channel: TaskEventChannel): void;
}

/**
 * One call's view of a task's events (the SDK's `ExecutionEventBus`): what it publishes is
 * stored on the bus, and its listeners receive the task's events as the bus delivers them,
 * from any instance, in log order, each once. Channels of the same task share nothing but the
 * log, so a client may follow the task through any instance.
 */
export class TaskEventChannel implements ExecutionEventBus {
  private static readonly logger = new Logger('StatusBusA2a');
  private readonly eventListeners = new Map<Listener, boolean>();
  private readonly finishedListeners = new Map<Listener, boolean>();
  /**
   * The last entry this channel posted while listening, until it receives it back: its entries
   * come back in the order it posted them (the log's), so with that one, all have.
   */
  private lastPosted: string | undefined;
  /** Ends the channel's subscription to the log, once it has one. */
  private stop: Unsubscribe | undefined;
  private attached = false;
  private settled = false;
  private ended = false;

  /**
   * @param after the position after which the channel receives the task's events; `undefined`
   * while it is not known yet (a resubscription starts where the task the client is sent
   * stands): the manager sets it, then subscribes the channel
   * @param contextId the task's context, when known
   * @param context the call the channel was opened for
   * @internal the manager opens channels
   */
  constructor(
    private readonly hub: ChannelHub,
    readonly taskId: string,
    readonly tenant: string,
    public after: number | undefined,
    public contextId: string | undefined,
    readonly context: ServerCallContext | undefined,
  ) {}

  /** Whether the channel has listeners and receives the task's events. */
  get listening(): boolean {
    return this.attached;
  }

  /** Whether the channel has ended: it delivers nothing more. */
  get closed(): boolean {
    return this.ended;
  }

  /** Stores `event` on the bus; its listeners, on every instance, receive it from there. */
  publish(event: AgentExecutionEvent): void {
    const id = this.hub.publish(this, event);
    if (id !== undefined && this.attached) this.lastPosted = id;
  }

  on(eventName: 'event', listener: TaskEventListener): this;
  on(eventName: 'finished', listener: TaskFinishedListener): this;
  on(eventName: ExecutionEventName, listener: Listener): this {
    return this.listen(eventName, listener, false);
  }

  once(eventName: 'event', listener: TaskEventListener): this;
  once(eventName: 'finished', listener: TaskFinishedListener): this;
  once(eventName: ExecutionEventName, listener: Listener): this {
    return this.listen(eventName, listener, true);
  }

  off(eventName: 'event', listener: TaskEventListener): this;
  off(eventName: 'finished', listener: TaskFinishedListener): this;
  off(eventName: ExecutionEventName, listener: Listener): this {
    this.listeners(eventName).delete(listener);
    this.release();
    return this;
  }

  removeAllListeners(eventName?: ExecutionEventName): this {
    if (eventName !== 'finished') this.eventListeners.clear();
    if (eventName !== 'event') this.finishedListeners.clear();
    this.release();
    return this;
  }

  /**
   * The publisher is done: no more events come from it (the SDK's executors call this right
   * after their last publish). Its own events reach the channel through the log, so some may
   * still be on their way; the `finished` listeners are told once they have all arrived, as
   * with {@link settle}.
   */
  finished(): void {
    this.settle();
  }

  /** Tells the `finished` listeners that no more events come, and stops receiving, now. */
  end(): void {
    if (this.ended) return;
    this.ended = true;
    this.hub.detach(this);
    void this.stop?.();
    this.attached = false;
    this.call(this.finishedListeners, undefined);
    this.eventListeners.clear();
    this.finishedListeners.clear();
  }

  /**
   * The executor has returned: the channel finishes once it has received every event it
   * published (they reach it through the log, so some may still be on their way).
   */
  settle(): void {
    this.settled = true;
    if (this.lastPosted === undefined || !this.attached) this.end();
  }

  /**
   * The channel's subscription to the log, from the manager: ended with the channel, or at
   * once if the channel ended while it was being made.
   */
  follow(stop: Unsubscribe): void {
    if (this.ended || !this.attached) {
      void stop();
      return;
    }
    void this.stop?.();
    this.stop = stop;
  }

  /** An event of the task, from the channel's subscription: delivered unless already given. */
  receive(entry: StatusEntry, event: AgentExecutionEvent): void {
    const seq = entry.seq!;
    if (this.ended || this.after === undefined || seq <= this.after) return;
    this.after = seq;
    this.call(this.eventListeners, event);
    if (entry.id !== this.lastPosted) return;
    this.lastPosted = undefined;
    if (this.settled) this.end();
  }

  private listen(eventName: ExecutionEventName, listener: Listener, once: boolean): this {
    if (this.ended) return this;
    this.listeners(eventName).set(listener, once);
    if (!this.attached) {
      this.attached = true;
      this.hub.attach(this);
    }
    return this;
  }

  private listeners(eventName: ExecutionEventName): Map<Listener, boolean> {
    return eventName === 'event' ? this.eventListeners : this.finishedListeners;
  }

  /** Nobody listens any more: the channel stops receiving (it can still publish). */
  private release(): void {
    if (!this.attached || this.eventListeners.size > 0 || this.finishedListeners.size > 0) return;
    this.attached = false;
    this.hub.detach(this);
    void this.stop?.();
    this.stop = undefined;
    if (this.settled) this.end();
  }

  /** Calls each listener; one that throws is logged and holds up none of the others. */
  private call(listeners: Map<Listener, boolean>, event: AgentExecutionEvent | undefined): void {
    for (const [listener, once] of [...listeners]) {
      if (once) listeners.delete(listener);
      try {
        listener(event!);
      } catch (err) {
        TaskEventChannel.logger.error(
          `A listener of task ${this.taskId} threw: ${err instanceof Error ? err.message : String(err)}`,
        );
      }
    }
  }
}
