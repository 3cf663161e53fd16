import { Injectable } from '@nestjs/common';
import { StatusSink } from '../delivery/status-sink';
import { StatusSubscriber } from '../delivery/status-subscriber';
import { CompletionReadModel } from './completion-read-model';

/**
 * Keeps the {@link CompletionReadModel} current: a sink of the bus, fed every entry of every
 * instance in log order, like the snapshot. Not a CQRS event handler: @nestjs/cqrs runs each
 * handler through an observable of its own per event, which cost about a fifth of an
 * in-memory `postAsync`, for a read model that only has to look at the status.
 */
@Injectable()
export class CompletionProjection implements StatusSink {
  readonly name = 'completion read model';

  constructor(private readonly readModel: CompletionReadModel) {}

  async connect(): Promise<StatusSubscriber> {
    return (entry) => this.readModel.record(entry);
  }
}
