import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import type { BeforeApplicationShutdown, OnApplicationBootstrap } from '@nestjs/common';
import type { StatusFilter } from './backends/status-backend';
import type { StatusSubscriber, SubscribeOptions } from './delivery/status-subscriber';
import type { PostOptions, StatusEntry } from './entry/status-entry';
import type { StatusLevel } from './entry/status-level';
import { formatRecentText, formatSummary } from './entry/status-text.format';
import { checkUnreserved, POST_RESERVED } from './entry/reserved-names';
import type { StatusInstrumentation } from './log/status-instrumentation';
import type { StatusLog } from './log/status-log';
import { StatusPoster } from './log/status-poster';
import type { StatusReader } from './log/status-reader';
import { checkFilter } from './log/status-query';
import { STATUS_LOG } from './status-bus.constants';
import type { StatusBus } from './status-bus.interface';
import { StatusBusConfigError } from './errors/status-bus.errors';

/**
 * The status bus, to inject into providers: what it does is documented on {@link StatusBus}.
 * A facade: the log owns the pipeline and its lifecycle, the poster builds and queues entries,
 * the reader answers reads, the snapshot part keeps what every agent is doing now.
 * @example
 * constructor(private readonly bus: StatusBusService) {}
 * this.bus.post('exec', 'search_google', 'ok', { detail: 'Found 7 results' });
 */
@Injectable()
export class StatusBusService
  implements StatusBus, OnModuleInit, OnApplicationBootstrap, BeforeApplicationShutdown
{
  private readonly logger = new Logger('StatusBus');
  private readonly poster: StatusPoster;
  private readonly reader: StatusReader;

  /** @internal Nest injects it: inject the service, never construct it. */
  constructor(@Inject(STATUS_LOG) private readonly log: StatusLog) {
    this.poster = new StatusPoster(log);
    this.reader = log.reader;
  }

  post(agentId: string, action: string, status: StatusLevel, options?: PostOptions): StatusEntry {
    checkUnreserved(action, options?.metadata);
    return this.poster.post(agentId, action, status, options);
  }

  /** @internal `post` for the bus's own parts, in their reserved namespaces. */
  [POST_RESERVED](agentId: string, action: string, status: StatusLevel, options?: PostOptions) {
    return this.poster.post(agentId, action, status, options);
  }

  postAsync(agentId: string, action: string, status: StatusLevel, options?: PostOptions) {
    return this.poster.postAsync(agentId, action, status, options);
  }

  recent(n = 10, filter: StatusFilter = {}): Promise<StatusEntry[]> {
    return this.reader.recent(n, filter);
  }

  entriesAfter(seq: number, limit = 1000, filter: StatusFilter = {}): Promise<StatusEntry[]> {
    return this.reader.entriesAfter(seq, limit, filter);
  }

  oldestSeq(): Promise<number> {
    return this.reader.oldestSeq();
  }

  async recentText(n = 10, filter: StatusFilter = {}): Promise<string> {
    return formatRecentText(await this.recent(n, filter));
  }

  hasCompleted(agentId?: string, scope: { roomId?: string } = {}): Promise<boolean> {
    return this.reader.hasCompleted(agentId, scope?.roomId);
  }

  async summary(n?: number, filter: StatusFilter = {}): Promise<string> {
    return formatSummary(await this.recent(n ?? this.log.options.maxEntries, filter));
  }

  async printSummary(n?: number, filter: StatusFilter = {}): Promise<void> {
    this.logger.log(`\n${await this.summary(n, filter)}`);
  }

  async subscribe(callback: StatusSubscriber, options: SubscribeOptions = {}) {
    const after = typeof options === 'object' ? options?.after : undefined;
    if (after === undefined) return this.log.subscribe(callback, options);
    return this.log.resume(callback, { ...options, after });
  }

  async unsubscribe(callback: StatusSubscriber): Promise<void> {
    this.log.unsubscribe(callback);
  }

  async snapshot(scope: { roomId?: string } = {}) {
    const { roomId } = checkFilter({ roomId: scope?.roomId });
    const snapshots = this.log.snapshots;
    if (!snapshots) {
      throw new StatusBusConfigError('snapshot() needs the snapshot part: StatusBusSnapshotModule');
    }
    return this.reader.read('snapshot', () => snapshots.snapshot(roomId));
  }

  flush(): Promise<void> {
    return this.log.flush();
  }

  health() {
    return this.log.health();
  }

  stats() {
    return this.log.stats();
  }

  subscriberLags(): { name: string; lag: number }[] {
    return this.log.dispatcher.lags();
  }

  instrument(instrumentation: StatusInstrumentation): () => void {
    return this.log.instruments.add(instrumentation);
  }

  close(): Promise<void> {
    return this.log.close();
  }

  /** @internal Opens the backend and starts writing. */
  onModuleInit(): Promise<void> {
    return this.log.open();
  }

  /** @internal Connects the sinks, then delivers; not awaited: a sink may wait for a later hook. */
  onApplicationBootstrap(): void {
    void this.log.startDelivery();
  }

  /** @internal Runs before other modules release what the bus may still need to flush. */
  beforeApplicationShutdown(): Promise<void> {
    return this.close();
  }
}
