import { BeforeApplicationShutdown, Inject, Injectable } from '@nestjs/common';
import { StatusBusClosedError } from '../errors/status-bus.errors';
import { STATUS_BUS_SERVICE } from '../status-bus.constants';
import { StatusBusService } from '../status-bus.service';
import type { ResolvedStatusAdminOptions } from './resolve-admin-options';
import { STATUS_ADMIN_OPTIONS } from './status-admin.constants';
import type { RawHttp } from './raw-http';
import { StatusEventStream, StatusEventStreamOptions } from './status-event-stream';

/**
 * The event streams this instance serves. On shutdown it ends every one of them (each client
 * gets a last event naming its position, and resumes on another instance with
 * `Last-Event-ID`) and refuses new ones, so that an open browser tab never keeps
 * `app.close()`, or a deploy, waiting.
 */
@Injectable()
export class StatusStreams implements BeforeApplicationShutdown {
  private readonly open = new Set<StatusEventStream>();
  private closing = false;

  constructor(
    @Inject(STATUS_BUS_SERVICE) private readonly bus: StatusBusService,
    @Inject(STATUS_ADMIN_OPTIONS) private readonly options: ResolvedStatusAdminOptions,
  ) {}

  /** Serves one client's stream; rejects before answering if it cannot be served. */
  async serve(
    http: RawHttp,
    options: Omit<StatusEventStreamOptions, 'heartbeatMs' | 'maxBufferedBytes' | 'stallMs'>,
  ): Promise<void> {
    if (this.closing) throw new StatusBusClosedError('stream');
    const stream = new StatusEventStream(
      this.bus,
      http,
      {
        ...options,
        heartbeatMs: this.options.heartbeatMs,
        maxBufferedBytes: this.options.maxStreamBufferBytes,
        stallMs: this.options.streamStallMs,
      },
      () => this.open.delete(stream),
    );
    this.open.add(stream);
    await stream.open();
  }

  /** @internal Ends every stream before the HTTP server waits for its connections. */
  beforeApplicationShutdown(): void {
    this.closing = true;
    for (const stream of [...this.open]) stream.end('shutdown');
  }
}
