import { Injectable, Logger } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import { STATUS_POSTED, StatusEntry } from '../src';

/** Any provider can react to entries as framework events. */
@Injectable()
export class StatusLogListener {
  private readonly logger = new Logger('status_posted');

  @OnEvent(STATUS_POSTED)
  onStatusPosted(entry: StatusEntry): void {
    const receiptFor = entry.metadata.receipt_for;
    if (receiptFor !== undefined) {
      this.logger.log(`receipt for #${receiptFor as number}: ${entry.metadata.outcome as string}`);
    } else {
      this.logger.log(`#${entry.seq} ${entry.agentId}: ${entry.action} → ${entry.status}`);
    }
  }
}
