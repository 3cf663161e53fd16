import { Module } from '@nestjs/common';
import { StatusEventBusPublisher } from './status-event-bus.publisher';

/** Every entry as a `StatusPostedEvent` on the CQRS event bus, where something handles it. */
@Module({ providers: [StatusEventBusPublisher] })
export class StatusBusCqrsModule {}
