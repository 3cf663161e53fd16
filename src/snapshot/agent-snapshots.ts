import { Inject, Injectable } from '@nestjs/common';
import type { StatusBackend } from '../backends/status-backend';
import { StatusSink } from '../delivery/status-sink';
import { StatusSubscriber } from '../delivery/status-subscriber';
import { STATUS_BACKEND, STATUS_BUS_OPTIONS } from '../status-bus.constants';
import type { ResolvedStatusBusOptions } from '../status-bus-options';
import { MAX_RECENT } from '../log/status-query';
import type { AgentSnapshot, StatusSnapshots } from '../status-snapshots.interface';
import { AgentSnapshotReadModel } from './agent-snapshot.read-model';

/**
 * The snapshot part: "what is every agent doing now?", answered from memory. A sink of the
 * bus, so it sees every entry from every instance in log order, like the event emitter and
 * CQRS; rebuilt from the store's last 10,000 entries before it starts, and a room it has
 * forgotten (see `maxCachedRooms`) is read again from the store when asked for.
 */
@Injectable()
export class AgentSnapshots implements StatusSink, StatusSnapshots {
  readonly name = 'snapshot read model';
  private readonly model: AgentSnapshotReadModel;
  private rebuilt: Promise<void> | undefined;

  /**
   * Reads the store itself, not through the bus, which takes this part among its sinks: the
   * bus opens the store before it connects its sinks or answers `snapshot()`.
   */
  constructor(
    @Inject(STATUS_BACKEND) private readonly store: StatusBackend,
    @Inject(STATUS_BUS_OPTIONS) options: ResolvedStatusBusOptions,
  ) {
    this.model = new AgentSnapshotReadModel(options.maxCachedRooms);
  }

  async connect(): Promise<StatusSubscriber> {
    await this.rebuild();
    return (entry) => this.model.record(entry);
  }

  async snapshot(roomId?: string): Promise<AgentSnapshot[]> {
    await this.rebuild();
    if (roomId !== undefined && this.model.needsRebuild(roomId)) {
      this.model.rebuild(roomId, await this.store.recent(MAX_RECENT, { roomId }));
    }
    return this.model.snapshot(roomId);
  }

  /** Reads the store's latest entries once; entries delivered meanwhile win by position. */
  private rebuild(): Promise<void> {
    this.rebuilt ??= this.store.recent(MAX_RECENT).then(
      (entries) => entries.forEach((e) => this.model.record(e)),
      (err: unknown) => {
        this.rebuilt = undefined;
        throw err;
      },
    );
    return this.rebuilt;
  }
}
