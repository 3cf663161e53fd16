import type { ServerResponse } from 'node:http';
import { StatusFilter } from '../backends/status-backend';
import { Unsubscribe } from '../delivery/status-subscriber';
import { StatusEntry } from '../entry/status-entry';
import { StatusResumePointLostError } from '../errors/status-bus.errors';
import { AgentSnapshotJson, agentSnapshotJson } from '../snapshot/agent-snapshot';
import { StatusBusService } from '../status-bus.service';
import type { RawHttp } from './raw-http';
import { STATUS_EVENTS, StreamEndReason, StreamFormat } from './stream-format';

/**
 * How many live entries may wait in memory for a client that reads slowly, beyond what its
 * socket holds: past that, they are read from the store once it has read what waits.
 */
const QUEUE = 256;

/** What one stream serves and how much it may hold for its client. */
export interface StatusEventStreamOptions {
  filter: StatusFilter;
  /** The client's `Last-Event-ID`: replay every entry after it first. */
  lastEventId: number | undefined;
  heartbeatMs: number;
  /** Bytes that may wait for the client before the stream stops writing to it. */
  maxBufferedBytes: number;
  /** How long a client may take to read what waits for it before the stream is ended. */
  stallMs: number;
  /** How the stream looks. @default the admin API's `status` events */
  format?: StreamFormat;
  /**
   * How long the stream follows new entries before it ends as `finished`; `0` ends it once it
   * has caught up. @default until the client leaves
   */
  followMs?: number;
  /** Without `lastEventId`, start after the newest position when the stream opens. */
  startAtHead?: boolean;
  /**
   * What a client hears when `lastEventId` is older than the oldest entry the store keeps:
   * `gone`, an HTTP 410 with the oldest position kept and the current snapshot, before any
   * streaming; `event`, the stream's closing frames (`resume_point_lost`). Never the entries
   * that are left as if none were missing. @default 'gone'
   */
  lostResume?: 'gone' | 'event';
}

/**
 * One client's Server-Sent Events stream: `id:` is the entry's `seq`, `event: status` carries
 * the wire form. A client that comes back with `Last-Event-ID` first gets every entry after it
 * (as far as the store keeps them), then the live ones, with none twice and none skipped: the
 * stream is a subscription after that position (`subscribe(…, { after })`).
 *
 * Back-pressure: at most `maxBufferedBytes` (plus one entry) wait in the socket for a client,
 * and a few hundred entries in memory. Beyond that the stream stops writing, and the
 * subscription reads what the client missed from the store, from its position, once the client
 * has read what waited. A slow client thus gets every entry at its own pace and costs a bounded
 * buffer; other clients are not affected. A client that reads nothing for `stallMs` gets a last
 * `event: end` naming the position it was sent up to (`{"reason":"slow_client","last_seq":N}`)
 * and the stream ends; it resumes from there with `Last-Event-ID`. Nothing is written after
 * the end, and a client that leaves at any moment (even while the stream opens) releases its
 * subscription and timers at once.
 */
export class StatusEventStream {
  private lastSent: number;
  private closed = false;
  private heartbeat: NodeJS.Timeout | undefined;
  private stall: NodeJS.Timeout | undefined;
  private follow: NodeJS.Timeout | undefined;
  private unsubscribe: Unsubscribe | undefined;
  /** Whether the stream has sent everything there is so far. */
  private idle = false;
  /** Waiting for the client to read what waits for it; `drained` ends the wait. */
  private behind = false;
  private drained: (() => void) | undefined;
  /** The follow time is over: end as soon as the client has caught up. */
  private finishing = false;
  /** Deliveries wait for the headers and the opening to be written. */
  private started = false;
  private start!: () => void;
  private readonly ready = new Promise<void>((resolve) => (this.start = resolve));

  private readonly response: ServerResponse;
  private readonly format: StreamFormat;

  constructor(
    private readonly bus: StatusBusService,
    private readonly http: RawHttp,
    private readonly options: StatusEventStreamOptions,
    private readonly onClosed: () => void,
  ) {
    this.lastSent = options.lastEventId ?? 0;
    this.response = http.response;
    this.format = options.format ?? STATUS_EVENTS;
    // Before anything is awaited: a client may leave while the stream is being opened.
    http.request.once('close', () => this.close());
    http.response.once('close', () => this.close());
  }

  /**
   * Checks the filter and the store, then answers 200 and streams. Until the headers are sent,
   * an error (a bad filter, the store unreachable, the bus closed) is thrown for the HTTP edge
   * to answer; after that, a failure ends the stream, which the client resumes.
   */
  async open(): Promise<void> {
    const { filter, lastEventId, heartbeatMs, followMs } = this.options;
    let head: number;
    try {
      const [newest] = await this.bus.recent(1);
      head = newest?.seq ?? 0;
    } catch (err) {
      this.close();
      throw err;
    }
    if (this.closed) return;
    if (this.options.startAtHead && lastEventId === undefined) this.lastSent = head;
    // A position this log never reached: the client saw another log (one kept in memory before
    // a restart, say). Everything this log holds is new to it.
    const reset = lastEventId !== undefined && lastEventId > head;
    if (reset) this.lastSent = 0;
    // A position older than the store keeps is refused by the subscription itself.
    let lost: StatusResumePointLostError | undefined;
    try {
      this.unsubscribe = await this.bus.subscribe((entry) => this.deliver(entry), {
        ...filter,
        // Without a position, what comes from now on.
        after: reset ? 0 : (lastEventId ?? head),
        maxQueue: QUEUE,
        onLost: (err) => this.end('resume_point_lost', err.message),
        onCaughtUp: () => this.caughtUp(),
      });
    } catch (err) {
      if (!(err instanceof StatusResumePointLostError)) {
        this.close();
        throw err;
      }
      if (this.options.lostResume !== 'event') return this.gone(err);
      lost = err;
    }
    if (this.closed) return void this.unsubscribe?.();
    this.http.takeOver();
    this.response.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-cache, no-transform',
      Connection: 'keep-alive',
      // Tells nginx-style proxies not to buffer the stream.
      'X-Accel-Buffering': 'no',
    });
    let opening: string;
    try {
      opening = await this.format.opening(head, this.lastSent);
    } catch {
      return this.end('store_unavailable');
    }
    this.write(opening);
    if (lost) return this.end('resume_point_lost', lost.message);
    this.heartbeat = setInterval(() => {
      if (!this.behind) this.write(': heartbeat\n\n');
    }, heartbeatMs);
    this.heartbeat.unref();
    if (reset) this.write(this.format.reset(head));
    if (followMs !== undefined && followMs > 0) {
      this.follow = setTimeout(() => this.finish(), followMs);
      this.follow.unref();
    } else if (followMs === 0) {
      this.finishing = true;
    }
    this.started = true;
    this.start();
    if (this.finishing && this.idle) this.end('finished');
  }

  /** Ends the stream with a last event saying why and up to where it was sent. */
  end(reason: StreamEndReason, detail?: string): void {
    if (this.closed) return;
    if (this.response.headersSent) {
      this.response.write(this.format.closing(reason, this.lastSent, detail));
    }
    this.response.end();
    this.close();
  }

  /**
   * Answers 410 Gone: the entries after the client's position are no longer all kept. The body
   * names the oldest position kept and carries the current snapshot (of the stream's room), from
   * which the client starts again.
   */
  private async gone(lost: StatusResumePointLostError): Promise<void> {
    let snapshot: AgentSnapshotJson[];
    try {
      const agents = await this.bus.snapshot({ roomId: this.options.filter.roomId });
      snapshot = agents.map(agentSnapshotJson);
    } catch (err) {
      this.close();
      throw err;
    }
    if (this.closed) return;
    this.http.takeOver();
    const body = JSON.stringify({
      statusCode: 410,
      error: 'Gone',
      message: lost.message,
      oldest_seq: lost.oldestSeq,
      snapshot,
    });
    this.response.writeHead(410, {
      'Content-Type': 'application/json; charset=utf-8',
      'Content-Length': Buffer.byteLength(body),
    });
    this.response.end(body);
    this.close();
  }

  /** The follow time is over: ends now if caught up, else once the client has caught up. */
  private finish(): void {
    this.finishing = true;
    if (this.idle) this.end('finished');
  }

  /** The subscription has given everything there is so far. */
  private caughtUp(): void {
    this.idle = true;
    if (this.finishing && this.started) this.end('finished');
  }

  /**
   * Writes an entry of the subscription; answers a promise while the client has more waiting
   * than `maxBufferedBytes`, so that the subscription holds (and then reads) the rest.
   */
  private deliver(entry: StatusEntry): Promise<void> | undefined {
    if (this.closed) return undefined;
    if (!this.started) return this.ready.then(() => this.deliver(entry));
    this.idle = false;
    if (entry.seq! <= this.lastSent) return undefined;
    this.write(this.format.entry(entry));
    this.lastSent = entry.seq!;
    if (this.response.writableLength > this.options.maxBufferedBytes) return this.fallBehind();
    return undefined;
  }

  private write(chunk: string): void {
    if (this.closed) return;
    this.response.write(chunk);
  }

  /** Waits until the client has read what waits, or ends the stream if it never does. */
  private fallBehind(): Promise<void> {
    this.behind = true;
    return new Promise<void>((resolve) => {
      this.drained = () => {
        clearTimeout(this.stall);
        this.behind = false;
        this.drained = undefined;
        resolve();
      };
      this.stall = setTimeout(() => {
        this.end('slow_client');
        resolve();
      }, this.options.stallMs);
      this.response.once('drain', () => this.drained?.());
    });
  }

  private close(): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.heartbeat);
    clearTimeout(this.stall);
    clearTimeout(this.follow);
    void this.unsubscribe?.();
    // Deliveries waiting for the opening or for the client see the stream closed, and stop.
    this.start();
    this.drained?.();
    this.onClosed();
  }
}
