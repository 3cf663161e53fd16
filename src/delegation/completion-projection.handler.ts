import { EventsHandler, IEventHandler } from '@nestjs/cqrs';
import { StatusPostedEvent } from '../cqrs/status-posted.event';
import { CompletionReadModel } from './completion-read-model';

/** Keeps the {@link CompletionReadModel} current from the event stream. */
@EventsHandler(StatusPostedEvent)
export class CompletionProjection implements IEventHandler<StatusPostedEvent> {
  constructor(private readonly readModel: CompletionReadModel) {}

  handle({ entry }: StatusPostedEvent): void {
    this.readModel.record(entry);
  }
}
