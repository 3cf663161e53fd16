import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { StatusBusService, StatusEntry } from '../src';

/** Stands in for the voice agent's own logic: it learns of every completion as it happens. */
@Injectable()
export class VoiceAgent implements OnModuleInit {
  private readonly logger = new Logger('VoiceAgent');

  constructor(private readonly bus: StatusBusService) {}

  async onModuleInit(): Promise<void> {
    await this.bus.subscribe((entry) => this.onCompleted(entry), { status: 'completed' });
  }

  private onCompleted(entry: StatusEntry): void {
    this.logger.log(`Heard that ${entry.agentId} finished: ${entry.detail}`);
  }
}
