import { Controller, Get, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import autocannon from 'autocannon';
import { StatusBusModule, StatusBusService } from '../../src';
import { latencies, now, progress, Row, sampleEntry, Section, sleep } from '../measure';

async function requestsPerSecond(
  url: string,
  seconds: number,
  request: Pick<autocannon.Options, 'method' | 'headers' | 'body'> = {},
): Promise<number> {
  const result = await autocannon({ url, connections: 32, duration: seconds, ...request });
  return result.requests.average;
}

/** A `read_progress` call as an MCP client sends it (stateless: no session to open first). */
const READ_PROGRESS = {
  method: 'POST' as const,
  headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
  body: JSON.stringify({
    jsonrpc: '2.0',
    id: 1,
    method: 'tools/call',
    params: { name: 'read_progress', arguments: { limit: 10 } },
  }),
};

/**
 * Opens an event stream and calls `arrived(seq)` for each entry frame `entrySeq` recognises,
 * until the returned function is called.
 */
async function follow(
  url: string,
  init: RequestInit,
  entrySeq: (frame: string) => number | undefined,
  arrived: (seq: number) => void,
): Promise<() => void> {
  const abort = new AbortController();
  const response = await fetch(url, { ...init, signal: abort.signal });
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  void (async () => {
    let text = '';
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        text += decoder.decode(value, { stream: true });
        let end: number;
        while ((end = text.indexOf('\n\n')) >= 0) {
          const seq = entrySeq(text.slice(0, end));
          text = text.slice(end + 2);
          if (seq !== undefined) arrived(seq);
        }
      }
    } catch {
      // aborted
    }
  })();
  return () => abort.abort();
}

/** post → arrival at an SSE client and at an AG-UI client of the same instance, side by side. */
async function streamLatencies(base: string, bus: StatusBusService, count: number) {
  const sentAt = new Map<number, number>();
  const sse: number[] = [];
  const agUi: number[] = [];
  const idOf = (frame: string) => Number(/^id: (\d+)/.exec(frame)?.[1]);
  const stopSse = await follow(
    `${base}/status/stream?room_id=bench`,
    {},
    (frame) => (frame.includes('event: status') ? idOf(frame) : undefined),
    (seq) => sentAt.has(seq) && sse.push(now() - sentAt.get(seq)!),
  );
  const stopAgUi = await follow(
    `${base}/status/ag-ui`,
    {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
      body: JSON.stringify({
        threadId: 'bench',
        runId: 'bench',
        messages: [],
        forwardedProps: { follow_ms: 600_000 },
      }),
    },
    (frame) => (frame.includes('"status_entry"') ? idOf(frame) : undefined),
    (seq) => sentAt.has(seq) && agUi.push(now() - sentAt.get(seq)!),
  );
  await sleep(200);
  for (let i = 0; i < count; i++) {
    const started = now();
    const entry = await bus.postAsync('exec', 'probe', 'info', { roomId: 'bench' });
    sentAt.set(entry.seq!, started);
    await sleep(2);
  }
  await sleep(500);
  stopSse();
  stopAgUi();
  return { sse: latencies(sse), agUi: latencies(agUi), received: [sse.length, agUi.length] };
}

export async function httpReads(quick: boolean): Promise<Section> {
  const seconds = quick ? 3 : 10;
  let body = '';
  @Controller('bare')
  class BareController {
    @Get()
    constant(): string {
      return body;
    }
  }
  @Module({
    imports: [StatusBusModule.forRoot({ admin: { public: true } })],
    controllers: [BareController],
  })
  class HttpBenchModule {}
  const app = await NestFactory.create(HttpBenchModule, { logger: ['error'] });
  await app.listen(0, '127.0.0.1');
  const base = await app.getUrl();
  const bus = app.get(StatusBusService);
  try {
    for (let i = 0; i < 10; i++) {
      const e = sampleEntry(i);
      bus.post(e.agentId, e.action, e.status, e);
    }
    await bus.flush();
    body = JSON.stringify(await bus.recent(10));
    progress(`autocannon GET /status/recent, ${seconds} s, 32 connections`);
    const recent = await requestsPerSecond(`${base}/status/recent?n=10`, seconds);
    progress(`autocannon GET /bare (constant body of the same size), ${seconds} s`);
    const bare = await requestsPerSecond(`${base}/bare`, seconds);
    progress(`autocannon MCP tools/call read_progress, ${seconds} s, 32 connections`);
    const mcp = await requestsPerSecond(`${base}/status/mcp`, seconds, READ_PROGRESS);
    const count = quick ? 300 : 2000;
    progress(`post → SSE client and → AG-UI client, ${count} entries`);
    const streams = await streamLatencies(base, bus, count);
    const rows: Row[] = [
      {
        name: 'GET /status/recent?n=10 (in memory)',
        value: recent,
        unit: 'req/s',
        baseline: { name: `bare Nest route, constant ${body.length}-byte body`, value: bare },
      },
      {
        name: 'MCP read_progress, limit 10 (in memory)',
        value: mcp,
        unit: 'req/s',
        baseline: { name: 'GET /status/recent?n=10', value: recent },
        note: 'a server per request (stateless); the call also builds the spoken report',
      },
      {
        name: 'post → AG-UI client p50',
        value: streams.agUi.p50,
        unit: 'ms',
        baseline: { name: 'post → SSE client p50', value: streams.sse.p50 },
      },
      {
        name: 'post → AG-UI client p99',
        value: streams.agUi.p99,
        unit: 'ms',
        baseline: { name: 'post → SSE client p99', value: streams.sse.p99 },
        note: `received ${streams.received[1]} of ${count} (SSE ${streams.received[0]})`,
      },
    ];
    return { title: 'HTTP', rows };
  } finally {
    await app.close();
  }
}
