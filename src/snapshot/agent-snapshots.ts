import { Inject, Injectable, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import type { StatusBackend } from '../backends/status-backend';
import { ReadModelFollower } from '../delivery/read-model-follower';
import type { StatusLog } from '../log/status-log';
import { MAX_RECENT } from '../log/status-query';
import { STATUS_BACKEND, STATUS_BUS_OPTIONS, STATUS_LOG } from '../status-bus.constants';
import type { ResolvedStatusBusOptions } from '../status-bus-options';
import type { AgentSnapshot, StatusSnapshots } from '../status-snapshots.interface';
import { AgentSnapshotReadModel } from './agent-snapshot.read-model';

/**
 * The snapshot part: "what is every agent doing now?", answered from memory. Built on the first
 * question, not before (an instance nobody asks keeps nothing and reads nothing): from the
 * store's last 10,000 entries, then kept current by following the log ahead of every
 * subscriber. A room it has forgotten (see `maxCachedRooms`) is read again from the store when
 * asked for.
 */
@Injectable()
export class AgentSnapshots implements StatusSnapshots, OnModuleInit, OnModuleDestroy {
  private readonly model: AgentSnapshotReadModel;
  private readonly follower: ReadModelFollower;

  constructor(
    @Inject(STATUS_LOG) private readonly log: StatusLog,
    @Inject(STATUS_BACKEND) private readonly store: StatusBackend,
    @Inject(STATUS_BUS_OPTIONS) options: ResolvedStatusBusOptions,
  ) {
    this.model = new AgentSnapshotReadModel(options.maxCachedRooms);
    this.follower = new ReadModelFollower(log, this.model);
  }

  async snapshot(roomId?: string): Promise<AgentSnapshot[]> {
    await this.follower.ready();
    if (roomId !== undefined && this.model.needsRebuild(roomId)) {
      this.model.rebuild(roomId, await this.store.recent(MAX_RECENT, { roomId }));
    }
    return this.model.snapshot(roomId);
  }

  /** @internal Registers with the log as what answers `snapshot()`. */
  onModuleInit(): void {
    this.log.snapshots = this;
  }

  /** @internal Stops keeping the read model current. */
  onModuleDestroy(): Promise<void> {
    return this.follower.stop();
  }
}
