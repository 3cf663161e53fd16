import { INestApplication } from '@nestjs/common';
import http from 'node:http';
import net from 'node:net';
import {
  InMemoryStatusBackend,
  STATUS_BACKEND,
  StatusBusService,
  StatusEntry,
  StatusEntryJson,
  StatusFilter,
} from '../../src';
import { TOKEN, startAdminApp } from '../support/admin-app';
import { eventually } from '../support/bus-app';
import { SseClient } from '../support/sse-client';

const auth = { Authorization: `Bearer ${TOKEN}` };

/**
 * A stream client on a raw socket that reads nothing until told: a browser tab in the
 * background, a client on a dead network. `text()` then reads everything that waited.
 */
class StalledClient {
  private data = '';
  private readonly socket: net.Socket;

  constructor(url: string, headers: Record<string, string> = auth) {
    const { port } = new URL(url);
    this.socket = net.connect(Number(port), '127.0.0.1');
    const lines = Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`);
    this.socket.write(`GET /status/stream HTTP/1.1\r\nHost: x\r\n${lines.join('')}\r\n`);
    this.socket.pause();
  }

  /** Reads in short bursts, 2 ms out of every 50: a client on a slow link. */
  trickle(): void {
    this.socket.setEncoding('utf8');
    this.socket.on('data', (chunk: string) => (this.data += chunk));
    const timer = setInterval(() => {
      this.socket.resume();
      setTimeout(() => this.socket.pause(), 2);
    }, 50);
    this.socket.once('close', () => clearInterval(timer));
  }

  /** What has been read so far. */
  get read(): string {
    return this.data;
  }

  close(): void {
    this.socket.destroy();
  }

  /** Reads what waited and what comes, until `done` holds for the text read. */
  async text(done = (text: string) => text.includes('event: end')): Promise<string> {
    this.socket.setEncoding('utf8');
    this.socket.on('data', (chunk: string) => (this.data += chunk));
    this.socket.resume();
    await eventually(() => done(this.data), 20_000);
    this.socket.destroy();
    return this.data;
  }
}

/** The entries of an SSE text, in order. */
function entriesIn(text: string): StatusEntryJson[] {
  return [...text.matchAll(/event: status\ndata: (.*)\n/g)].map(
    (m) => JSON.parse(m[1]!) as StatusEntryJson,
  );
}

/** The data of the stream's last `end` event. */
function endIn(text: string): { reason: string; last_seq: number } {
  const match = /event: end\ndata: (.*)\n/.exec(text);
  if (!match) throw new Error('no end event');
  return JSON.parse(match[1]!) as { reason: string; last_seq: number };
}

describe('event streams at the edge', () => {
  let app: INestApplication | undefined;
  let bus: StatusBusService;
  let url: string;
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  const start = async (admin = {}, options = {}) => {
    ({ app, bus, url } = await startAdminApp(
      {
        token: TOKEN,
        heartbeatMs: 50,
        maxStreamBufferBytes: 64 * 1024,
        streamStallMs: 1000,
        ...admin,
      },
      { maxEntries: 100_000, ...options },
    ));
  };

  it('ends a stream that its client does not read, naming its position, and the server goes on', async () => {
    await start();
    const stalled = new StalledClient(url);
    const fast = await SseClient.open(`${url}/status/stream`, auth);
    await eventually(() => bus.stats().subscribers === 2);
    // Far beyond what the sockets' own buffers take (several MB on loopback).
    const detail = 'x'.repeat(16_000);
    for (let i = 0; i < 4000; i++) bus.post('exec', `step ${i}`, 'info', { detail });
    await bus.flush();
    // Heartbeats and more entries after the end must not write to the ended stream.
    await new Promise((r) => setTimeout(r, 200));
    await bus.postAsync('exec', 'after', 'ok');
    await eventually(() => fast.entries().length === 4001, 20_000);
    // The stalled stream ends streamStallMs after it last could write, which may be after the
    // fast client has everything: its subscription goes when it ends. Read only then.
    await eventually(() => bus.stats().subscribers === 1, 20_000);

    const text = await stalled.text();
    const end = endIn(text);
    expect(end.reason).toBe('slow_client');
    const received = entriesIn(text);
    expect(received.length).toBeLessThan(4001);
    expect(end.last_seq).toBe(received[received.length - 1]?.seq ?? 0);
    // Resumed from there, it gets the rest: nothing lost, nothing twice.
    const resumed = await SseClient.open(`${url}/status/stream`, {
      ...auth,
      'Last-Event-ID': String(end.last_seq),
    });
    await eventually(() => received.length + resumed.entries().length === 4001, 20_000);
    expect([...received, ...resumed.entries<StatusEntryJson>()].map((e) => e.seq)).toEqual(
      fast.entries<StatusEntryJson>().map((e) => e.seq),
    );
    resumed.close();
    fast.close();
    await eventually(() => bus.stats().subscribers === 0);
  });

  it('lets a slow client read every entry at its own pace, while a stalled one beside it is ended', async () => {
    await start({ streamStallMs: 3000 });
    const backend = app!.get<InMemoryStatusBackend>(STATUS_BACKEND);
    // Reads after a position come only from streams catching up: this instance's own appends
    // reach its feed without one.
    const readAfter = jest.spyOn(backend, 'readAfter');
    const slow = new StalledClient(url);
    slow.trickle();
    const stalled = new StalledClient(url);
    await eventually(() => bus.stats().subscribers === 2);
    const detail = 'w'.repeat(16_000);
    for (let i = 0; i < 600; i++) bus.post('exec', `step ${i}`, 'info', { detail });
    await bus.flush();
    await eventually(() => entriesIn(slow.read).length === 600, 60_000);
    expect(entriesIn(slow.read).map((e) => e.seq)).toEqual(
      Array.from({ length: 600 }, (_, i) => i + 1),
    );
    expect(slow.read).not.toContain('event: end');
    expect(readAfter).toHaveBeenCalled();
    readAfter.mockRestore();
    // 9.6 MB is more than the stalled client's socket takes: its stream is ended, named so.
    await eventually(() => bus.stats().subscribers === 1, 20_000);
    const text = await stalled.text((t) => t.includes('event: end'));
    expect(entriesIn(text).length).toBeLessThan(600);
    expect(endIn(text).reason).toBe('slow_client');
    slow.close();
  }, 90_000);

  it('serves 300 concurrent streams, each reading one whole, while stalled ones beside them are ended', async () => {
    await start({ streamStallMs: 5000 });
    const fast = await Promise.all(
      Array.from({ length: 300 }, () => SseClient.open(`${url}/status/stream?room_id=main`, auth)),
    );
    const stalled = Array.from({ length: 5 }, () => new StalledClient(url));
    await eventually(() => bus.stats().subscribers === 305);
    const detail = 'y'.repeat(500);
    for (let i = 0; i < 300; i++) {
      bus.post('exec', `step ${i}`, 'info', { detail, roomId: 'main' });
      if (i % 100 === 99) await bus.flush();
    }
    // Far more than the stalled clients' sockets take, in a room the fast clients do not follow:
    // every stalled stream must fall behind and be ended.
    const bulk = 'z'.repeat(16_000);
    for (let i = 0; i < 400; i++)
      bus.post('exec', `bulk ${i}`, 'info', { detail: bulk, roomId: 'bulk' });
    await bus.flush();
    // Counted without parsing: the clients run in this process too.
    await eventually(() => fast.every((c) => c.events.length === 300), 60_000);
    for (const client of fast) {
      expect(client.entries<StatusEntryJson>().map((e) => e.seq)).toEqual(
        Array.from({ length: 300 }, (_, i) => i + 1),
      );
      client.close();
    }
    // What the stalled clients get once they read (after their streams were ended, streamStallMs
    // after they fell behind): what fitted, in order, and the end naming the position they were
    // sent up to.
    await eventually(() => bus.stats().subscribers === 0, 20_000);
    for (const client of stalled) {
      const text = await client.text((t) => t.includes('event: end'));
      const seqs = entriesIn(text).map((e) => e.seq);
      expect(seqs.length).toBeLessThan(700);
      expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => i + 1));
      expect(endIn(text)).toEqual({ reason: 'slow_client', last_seq: seqs.length });
    }
  }, 90_000);

  it('ends every stream on app.close(), which then resolves at once', async () => {
    await start();
    const client = await SseClient.open(`${url}/status/stream`, auth);
    const dashboard = await fetch(`${url}/status/dashboard`, { headers: auth });
    expect(dashboard.status).toBe(200);
    await bus.postAsync('exec', 'seen', 'ok');
    await eventually(() => client.entries().length === 1);
    const started = Date.now();
    await app!.close();
    app = undefined;
    expect(Date.now() - started).toBeLessThan(2000);
    await eventually(() => client.ended);
    expect(client.named('end')).toEqual([{ reason: 'shutdown', last_seq: 1 }]);
  });

  it('releases the subscription of a client that leaves while its stream is being opened', async () => {
    let gate: Promise<void> | undefined = undefined;
    let asked = false;
    // A store slow to answer the stream's first read, after which it subscribes.
    class SlowBackend extends InMemoryStatusBackend {
      override async recent(n: number, filter?: StatusFilter): Promise<StatusEntry[]> {
        if (gate) asked = true;
        await gate;
        return super.recent(n, filter);
      }
    }
    await start({}, { backend: new SlowBackend() });
    let release!: () => void;
    gate = new Promise<void>((resolve) => (release = resolve));
    const request = http.get(`${url}/status/stream`, { headers: auth });
    request.on('error', () => undefined);
    await eventually(() => asked);
    const closed = new Promise((resolve) => request.on('close', resolve));
    request.destroy();
    // The server has not answered yet; the client is gone.
    await closed;
    release();
    await eventually(() => bus.stats().subscribers === 0);
    const started = Date.now();
    await app!.close();
    app = undefined;
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('replays the whole log after a Last-Event-ID beyond its head, saying it was reset', async () => {
    await start();
    await bus.postAsync('exec', 'a', 'ok');
    await bus.postAsync('exec', 'b', 'ok');
    // An id from before an in-memory restart.
    const client = await SseClient.open(`${url}/status/stream`, {
      ...auth,
      'Last-Event-ID': '500',
    });
    await eventually(() => client.entries().length === 2);
    expect(client.named('reset')).toEqual([{ last_seq: 2 }]);
    expect(client.entries<StatusEntryJson>().map((e) => e.action)).toEqual(['a', 'b']);
    await bus.postAsync('exec', 'c', 'ok');
    await eventually(() => client.entries().length === 3);
    client.close();
  });

  it('resumes a room-filtered stream by reading only that room', async () => {
    await start();
    for (let i = 0; i < 3000; i++) bus.post('exec', `a${i}`, 'ok', { roomId: 'busy' });
    bus.post('exec', 'quiet 1', 'ok', { roomId: 'quiet' });
    bus.post('exec', 'quiet 2', 'ok', { roomId: 'quiet' });
    await bus.flush();
    const backend = app!.get<InMemoryStatusBackend>(STATUS_BACKEND);
    const readAfter = jest.spyOn(backend, 'readAfter');
    const client = await SseClient.open(`${url}/status/stream?room_id=quiet`, {
      ...auth,
      'Last-Event-ID': '0',
    });
    await eventually(() => client.entries().length === 2);
    const read = await Promise.all(
      readAfter.mock.results.map((r) => r.value as Promise<unknown[]>),
    );
    expect(read.reduce((n, rows) => n + rows.length, 0)).toBe(2);
    readAfter.mockRestore();
    client.close();
  });
});
