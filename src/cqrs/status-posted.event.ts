import { IEvent } from '@nestjs/cqrs';
import { StatusEntry } from '../entry/status-entry';

/**
 * Published on the CQRS `EventBus` for every entry, from any instance, in log order.
 *
 * @example
 * @EventsHandler(StatusPostedEvent)
 * export class OnStatus implements IEventHandler<StatusPostedEvent> {
 *   handle({ entry }: StatusPostedEvent) { ... }
 * }
 */
export class StatusPostedEvent implements IEvent {
  constructor(readonly entry: StatusEntry) {}
}
