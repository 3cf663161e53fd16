import type { ServerResponse } from 'node:http';
import { matchesFilter, StatusFilter } from '../backends/status-backend';
import { Unsubscribe } from '../delivery/status-subscriber';
import { StatusEntry } from '../entry/status-entry';
import { StatusBusService } from '../status-bus.service';
import type { RawHttp } from './raw-http';

/** How many entries one replay read asks for. */
const PAGE = 1000;

/**
 * The SSE frame of each entry, built once however many streams send it: entries are immutable,
 * and every stream on an instance is handed the same entry objects.
 */
const frames = new WeakMap<StatusEntry, string>();

function frameOf(entry: StatusEntry): string {
  let frame = frames.get(entry);
  if (frame === undefined) {
    frame = `id: ${entry.seq}\nevent: status\ndata: ${JSON.stringify(entry)}\n\n`;
    frames.set(entry, frame);
  }
  return frame;
}

/** Why the server ended a stream; sent to the client in the stream's last event. */
export type StreamEndReason = 'slow_client' | 'shutdown' | 'store_unavailable';

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
}

/**
 * One client's Server-Sent Events stream: `id:` is the entry's `seq`, `event: status` carries
 * the wire form. A client that comes back with `Last-Event-ID` first gets every entry after it
 * (as far as the store keeps them), then the live ones, with none twice: live entries are held
 * while the replay runs.
 *
 * Back-pressure: at most `maxBufferedBytes` (plus one entry) ever wait in memory for a client.
 * Beyond that the stream stops writing and lets live entries pass; once the client has read
 * what waited, the stream reads what it missed from the store, from its own position, and goes
 * live again. A slow client thus gets every entry at its own pace and costs a bounded buffer;
 * other clients are not affected. A client that reads nothing for `stallMs` gets a last
 * `event: end` naming the position it was sent up to (`{"reason":"slow_client","last_seq":N}`)
 * and the stream ends; it resumes from there with `Last-Event-ID`. Nothing is written after
 * the end, and a client that leaves at any moment (even while the stream opens) releases its
 * subscription and timers at once.
 */
export class StatusEventStream {
  private lastSent: number;
  /**
   * `replay`: reading from the store, live entries held until it is done; `live`: writing live
   * entries as they come; `behind`: waiting for the client to read, live entries let pass.
   */
  private mode: 'replay' | 'live' | 'behind' = 'replay';
  private held: StatusEntry[] = [];
  private closed = false;
  private heartbeat: NodeJS.Timeout | undefined;
  private stall: NodeJS.Timeout | undefined;
  private unsubscribe: Unsubscribe | undefined;

  private readonly response: ServerResponse;

  constructor(
    private readonly bus: StatusBusService,
    private readonly http: RawHttp,
    private readonly options: StatusEventStreamOptions,
    private readonly onClosed: () => void,
  ) {
    this.lastSent = options.lastEventId ?? 0;
    this.response = http.response;
    // Before anything is awaited: a client may leave while the stream is being opened.
    http.request.once('close', () => this.close());
    http.response.once('close', () => this.close());
  }

  /**
   * Checks the filter and the store, then answers 200 and streams. Until the headers are sent,
   * an error (a bad filter, the store unreachable, the bus closed) is thrown for the HTTP edge
   * to answer; after that, a failing read ends the stream, which the client resumes.
   */
  async open(): Promise<void> {
    const { filter, lastEventId, heartbeatMs } = this.options;
    const unsubscribe = await this.bus.subscribe((entry) => this.live(entry), filter);
    this.unsubscribe = unsubscribe;
    if (this.closed) return void unsubscribe();
    let head: number;
    try {
      const [newest] = await this.bus.recent(1);
      head = newest?.seq ?? 0;
    } catch (err) {
      this.close();
      throw err;
    }
    if (this.closed) return;
    this.http.takeOver();
    this.response.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-cache, no-transform',
      Connection: 'keep-alive',
      // Tells nginx-style proxies not to buffer the stream.
      'X-Accel-Buffering': 'no',
    });
    this.write(': connected\n\n');
    this.heartbeat = setInterval(() => {
      if (this.mode !== 'behind') this.write(': heartbeat\n\n');
    }, heartbeatMs);
    this.heartbeat.unref();
    if (lastEventId !== undefined && lastEventId > head) {
      // A position this log never reached: the client saw another log (one kept in memory
      // before a restart, say). Everything this log holds is new to it.
      this.event('reset', { last_seq: head });
      this.lastSent = 0;
    }
    await this.catchUp(lastEventId !== undefined);
  }

  /** Ends the stream with a last event saying why and up to where it was sent. */
  end(reason: StreamEndReason): void {
    if (this.closed) return;
    if (this.response.headersSent) {
      this.response.write(
        `event: end\ndata: ${JSON.stringify({ reason, last_seq: this.lastSent })}\n\n`,
      );
    }
    this.response.end();
    this.close();
  }

  private live(entry: StatusEntry): void {
    if (this.mode === 'live') this.send(entry);
    else if (this.mode === 'replay') this.held.push(entry);
    // Behind: the entry is in the store, read from there once the client has caught up.
  }

  /**
   * Sends what the store holds after the last position sent (when `read`), then what arrived
   * live meanwhile, and goes live, unless the client falls behind again on the way.
   */
  private async catchUp(read: boolean): Promise<void> {
    this.mode = 'replay';
    if (read) {
      try {
        await this.replay();
      } catch {
        return this.end('store_unavailable'); // the client resumes from its last id
      }
    }
    if (this.mode !== 'replay') return;
    this.mode = 'live';
    const held = this.held;
    this.held = [];
    for (const entry of held) if (this.mode === 'live') this.send(entry);
  }

  private async replay(): Promise<void> {
    const { filter } = this.options;
    for (;;) {
      const page = await this.bus.entriesAfter(this.lastSent, PAGE, filter);
      // Filtered again here: a backend may ignore the filter (it is an optimisation there).
      for (const entry of page) {
        if (this.mode !== 'replay' || this.closed) return;
        if (matchesFilter(entry, filter)) this.send(entry);
      }
      if (page.length < PAGE) return;
      // Past what was sent, so that a page of entries the filter skips is not read again.
      this.lastSent = Math.max(this.lastSent, page[page.length - 1]!.seq!);
    }
  }

  private send(entry: StatusEntry): void {
    if (this.closed || entry.seq! <= this.lastSent) return;
    this.write(frameOf(entry));
    this.lastSent = entry.seq!;
  }

  private event(name: string, data: object): void {
    this.write(`event: ${name}\ndata: ${JSON.stringify(data)}\n\n`);
  }

  private write(chunk: string): void {
    if (this.closed) return;
    this.response.write(chunk);
    if (this.response.writableLength > this.options.maxBufferedBytes) this.fallBehind();
  }

  /** Stops writing until the client has read what waits, or ends the stream if it never does. */
  private fallBehind(): void {
    if (this.mode === 'behind') return;
    this.mode = 'behind';
    this.held = [];
    this.stall = setTimeout(() => this.end('slow_client'), this.options.stallMs);
    this.response.once('drain', () => {
      clearTimeout(this.stall);
      if (!this.closed) void this.catchUp(true);
    });
  }

  private close(): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.heartbeat);
    clearTimeout(this.stall);
    void this.unsubscribe?.();
    this.onClosed();
  }
}
