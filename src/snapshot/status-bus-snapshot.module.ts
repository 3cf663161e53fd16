import { Module } from '@nestjs/common';
import { AgentSnapshots } from './agent-snapshots';

/** What every agent is doing now (`StatusBusService.snapshot()`), built on its first read. */
@Module({ providers: [AgentSnapshots] })
export class StatusBusSnapshotModule {}
