import { StatusEntry } from '../entry/status-entry';

/** An update waiting for its session to be idle. */
export interface QueuedUpdate {
  entry: StatusEntry;
  roomId: string;
  text: string;
}

/**
 * The updates waiting for one voice session (the `when_idle` policy), in log order. A newer
 * update for the same task (`metadata.task_id`) replaces the waiting one.
 */
export class VoiceSessionQueue {
  private items: QueuedUpdate[] = [];
  /** Stops listening for the session's idle signal. */
  stopListening: (() => void) | undefined;

  get size(): number {
    return this.items.length;
  }

  /** Queues `update`; returns the update it supersedes, if any. */
  push(update: QueuedUpdate): QueuedUpdate | undefined {
    const task = update.entry.metadata.task_id;
    let superseded: QueuedUpdate | undefined;
    if (task !== undefined && task !== null) {
      const i = this.items.findIndex((q) => q.entry.metadata.task_id === task);
      if (i >= 0) [superseded] = this.items.splice(i, 1);
    }
    this.items.push(update);
    return superseded;
  }

  /** Takes every waiting update, oldest first. */
  drain(): QueuedUpdate[] {
    const items = this.items;
    this.items = [];
    return items;
  }
}
