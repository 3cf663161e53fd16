import { Logger } from '@nestjs/common';
import { PostOptions, StatusEntry, StatusEntryContext } from '../entry/status-entry';
import type { StatusLevel } from '../entry/status-level';
import { checkUnreserved } from '../entry/reserved-names';
import { StatusStoreTimeoutError } from '../errors/status-bus.errors';
import { Deadlines } from '../util/deadlines';
import type { Queued } from '../writing/status-writer-settings';
import type { StatusLog } from './status-log';

/**
 * Turns what a poster gives into an entry and hands it to the log: the entry is built (and
 * checked) with the log's limits and clock, annotated by the instrumentation (a trace context),
 * and `postAsync` waits for it to be stored, within `postTimeoutMs`, then delivered.
 */
export class StatusPoster {
  private readonly logger = new Logger('StatusBus');
  private readonly context: StatusEntryContext;
  private readonly deadlines: Deadlines;

  constructor(private readonly log: StatusLog) {
    const { limits, clock, defaultRoomId, postTimeoutMs } = log.options;
    this.context = { limits, clock, defaultRoomId };
    this.deadlines = new Deadlines(postTimeoutMs);
  }

  /** Builds the entry and queues it for the store; returns it at once. */
  post(agentId: string, action: string, status: StatusLevel, options?: PostOptions): StatusEntry {
    const log = this.log;
    const entry = this.create('post', agentId, action, status, options);
    log.append('post', entry);
    if (log.instruments.tellsPosted) log.instruments.posted(entry);
    // Checked first so that a disabled debug level costs no string building per post.
    if (Logger.isLevelEnabled('debug')) {
      this.logger.debug(`posted ${entry.agentId}: ${entry.action} -> ${entry.status}`);
    }
    return entry;
  }

  /**
   * Builds the entry and resolves with its stored copy once subscribers are done with it.
   * Refuses a reserved action or metadata key (no part of the bus posts its own this way);
   * every refusal is a rejection, never a throw.
   */
  postAsync(
    agentId: string,
    action: string,
    status: StatusLevel,
    options: PostOptions | undefined,
  ): Promise<StatusEntry> {
    const log = this.log;
    let entry: StatusEntry;
    let placed: StatusEntry | Queued;
    try {
      checkUnreserved(action, options?.metadata);
      entry = this.create('postAsync', agentId, action, status, options);
      // Stored now when it can be (an in-process store with nothing ahead of it): the caller
      // waits for it anyway, and in the background it would cost more hand-overs than the store.
      placed = log.append('postAsync', entry, true);
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
    if (log.instruments.tellsPosted) log.instruments.posted(entry);
    if (placed instanceof StatusEntry) return Promise.resolve(log.afterDelivery(placed));
    // The deadline covers storing; the wait for subscribers that follows is theirs to bound.
    return this.deadlines.wait<StatusEntry>(
      (resolve) => (placed.onStored = (stored) => resolve(log.afterDelivery(stored))),
      () => new StatusStoreTimeoutError(log.options.postTimeoutMs, log.writer.error),
    );
  }

  private create(
    operation: string,
    agentId: string,
    action: string,
    status: StatusLevel,
    options: PostOptions | undefined,
  ): StatusEntry {
    this.log.assertOpen(operation);
    if (this.log.instruments.annotates) options = this.annotated(options);
    return StatusEntry.create(agentId, action, status, options, this.context);
  }

  /** `options` with what the instrumentation adds to every entry's metadata (a trace context). */
  private annotated(options: PostOptions | undefined): PostOptions | undefined {
    let added: Record<string, string> | undefined;
    this.log.instruments.tell((i) => {
      const more = i.annotate?.();
      if (more) added = { ...added, ...more };
    });
    if (!added || (options !== undefined && (typeof options !== 'object' || options === null))) {
      return options;
    }
    const metadata = options?.metadata;
    // Left to validation to refuse, untouched.
    if (
      metadata !== undefined &&
      (typeof metadata !== 'object' || metadata === null || Array.isArray(metadata))
    ) {
      return options;
    }
    return { ...options, metadata: { ...added, ...metadata } };
  }
}
