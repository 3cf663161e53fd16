import { Module } from '@nestjs/common';
import { StatusPostedEmitter } from './status-posted.emitter';

/** Every entry as the `status_posted` event, where the emitter has listeners. */
@Module({ providers: [StatusPostedEmitter] })
export class StatusBusEventsModule {}
