import { INestApplication } from '@nestjs/common';
import net from 'node:net';
import { StatusBusService, StatusResumePointLostError } from '../../src';
import { startAdminApp, TOKEN } from '../support/admin-app';
import { eventually } from '../support/bus-app';
import { SseClient } from '../support/sse-client';

const auth = { Authorization: `Bearer ${TOKEN}` };

/**
 * A reader whose resume point is older than the oldest entry the store keeps (here the
 * in-memory backend keeps the last 20) is told so, with that position, and never handed what is
 * left as if nothing were missing.
 */
describe('resume points older than what the store keeps', () => {
  let app: INestApplication;
  let bus: StatusBusService;
  let url: string;

  beforeEach(async () => {
    ({ app, bus, url } = await startAdminApp(undefined, { maxEntries: 20 }));
    for (let i = 0; i < 30; i++) bus.post('exec', `step_${i}`, 'info', { roomId: 'call-1' });
    await bus.flush();
  });
  afterEach(() => app.close());

  it('entriesAfter throws, naming the oldest position kept; from there on it answers', async () => {
    expect(await bus.oldestSeq()).toBe(11);
    const lost = await bus.entriesAfter(5).catch((err: unknown) => err);
    expect(lost).toBeInstanceOf(StatusResumePointLostError);
    expect(lost).toMatchObject({ after: 5, oldestSeq: 11 });
    expect((lost as Error).message).toMatch(/oldest the store keeps is seq 11/);
    expect((await bus.entriesAfter(10)).map((e) => e.seq)).toEqual(
      Array.from({ length: 20 }, (_, i) => 11 + i),
    );
  });

  it('the stream answers 410 with the oldest position and the current snapshot', async () => {
    const response = await fetch(`${url}/status/stream?room_id=call-1`, {
      headers: { ...auth, 'Last-Event-ID': '3' },
    });
    expect(response.status).toBe(410);
    const body = (await response.json()) as {
      oldest_seq: number;
      message: string;
      snapshot: { agent_id: string; seq: number }[];
    };
    expect(body.oldest_seq).toBe(11);
    expect(body.message).toMatch(/seq 11/);
    expect(body.snapshot).toEqual([expect.objectContaining({ agent_id: 'exec', seq: 30 })]);
    // Resumed from what it names, it streams.
    const resumed = await SseClient.open(`${url}/status/stream?room_id=call-1`, {
      ...auth,
      'Last-Event-ID': String(body.oldest_seq - 1),
    });
    expect(resumed.status).toBe(200);
    resumed.close();
  });
});

describe('a stream that falls further behind than the store keeps', () => {
  it('ends with resume_point_lost instead of skipping what is gone', async () => {
    const { app, bus, url } = await startAdminApp(
      { token: TOKEN, maxStreamBufferBytes: 64 * 1024, streamStallMs: 60_000 },
      { maxEntries: 50 },
    );
    try {
      const { port } = new URL(url);
      // A client that reads nothing for now.
      const socket = net.connect(Number(port), '127.0.0.1');
      socket.write(
        `GET /status/stream HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${TOKEN}\r\n\r\n`,
      );
      socket.pause();
      await eventually(() => bus.stats().subscribers === 1);
      // Far more than the socket buffers and the store (50 entries) hold.
      const detail = 'z'.repeat(16_000);
      for (let i = 0; i < 3000; i++) bus.post('exec', `step ${i}`, 'info', { detail });
      await bus.flush();
      let text = '';
      socket.setEncoding('utf8');
      socket.on('data', (chunk: string) => (text += chunk));
      socket.resume();
      await eventually(() => text.includes('event: end'), 20_000);
      socket.destroy();
      const end = JSON.parse(/event: end\ndata: (.*)\n/.exec(text)![1]!) as {
        reason: string;
        message: string;
        last_seq: number;
      };
      expect(end.reason).toBe('resume_point_lost');
      expect(end.message).toMatch(/oldest the store keeps is seq \d+/);
      const seqs = [...text.matchAll(/^id: (\d+)$/gm)].map((m) => Number(m[1]));
      // Nothing skipped silently: what was sent is consecutive, up to the position named.
      expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => i + 1));
      expect(end.last_seq).toBe(seqs.length);
    } finally {
      await app.close();
    }
  });
});
