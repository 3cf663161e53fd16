import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { INestApplication } from '@nestjs/common';
import fc from 'fast-check';
import { StatusBusService, StatusEntryJson } from '../../src';
import { startAdminApp, TOKEN } from '../support/admin-app';
import { createTestDatabase, TestDatabase } from '../support/test-database';

/**
 * One rule for every stream and tool: a position the bus hands a client is a resume token.
 * Random logs, random cut points, and a client that resumes from the last id it saw, on one
 * instance and alternating between two that share PostgreSQL: what it receives, over all its
 * reads, is exactly the room's log after its first position, in order, each entry once.
 */

const auth = { Authorization: `Bearer ${TOKEN}` };
const ROOMS = ['r1', 'r2', 'r3'];

interface Instance {
  app: INestApplication;
  bus: StatusBusService;
  url: string;
}

/** One frame of a read: its id (when it has one) and the entries it carries (an SSE frame, one). */
interface Frame {
  id?: number;
  seqs: number[];
}

/** Parses Server-Sent Events text into frames; `entryOf` finds the entry's seq in one. */
function framesOf(text: string, entryOf: (event: string, data: unknown) => number | undefined) {
  const frames: Frame[] = [];
  for (const block of text.split('\n\n')) {
    let id: number | undefined;
    let event = 'message';
    let data: string | undefined;
    for (const line of block.split('\n')) {
      if (line.startsWith('id: ')) id = Number(line.slice(4));
      else if (line.startsWith('event: ')) event = line.slice(7);
      else if (line.startsWith('data: ')) data = line.slice(6);
    }
    if (data === undefined) continue;
    const seq = entryOf(event, JSON.parse(data));
    frames.push({ id, seqs: seq === undefined ? [] : [seq] });
  }
  return frames;
}

/** How a protocol is read: every frame one read sends after `from`, in one room. */
type Reader = (instance: Instance, room: string, from: number | undefined) => Promise<Frame[]>;

/** The admin API's own stream, read until it has sent the room's newest entry. */
const statusStream: Reader = async ({ bus, url }, room, from) => {
  const [newest] = await bus.recent(1, { roomId: room });
  const head = newest?.seq ?? 0;
  const controller = new AbortController();
  const response = await fetch(`${url}/status/stream?room_id=${room}`, {
    headers: { ...auth, ...(from === undefined ? {} : { 'Last-Event-ID': String(from) }) },
    signal: controller.signal,
  });
  const reader = response.body!.getReader();
  let text = '';
  const entryOf = (event: string, data: unknown) =>
    event === 'status' ? (data as StatusEntryJson).seq : undefined;
  try {
    while (head > (from ?? 0)) {
      const { done, value } = await reader.read();
      if (done) break;
      text += new TextDecoder().decode(value);
      if (framesOf(text, entryOf).some((f) => f.seqs.includes(head))) break;
    }
  } finally {
    controller.abort();
  }
  return framesOf(text, entryOf);
};

/** An AG-UI run that finishes once it has caught up. */
const agUiRun: Reader = async ({ url }, room, from) => {
  const response = await fetch(`${url}/status/ag-ui`, {
    method: 'POST',
    headers: { ...auth, 'Content-Type': 'application/json', Accept: 'text/event-stream' },
    body: JSON.stringify({
      threadId: room,
      runId: 'run',
      forwardedProps: { follow_ms: 0, ...(from === undefined ? {} : { after_seq: from }) },
    }),
  });
  return framesOf(await response.text(), (_event, data) => {
    const event = data as { type: string; name?: string; value?: StatusEntryJson };
    return event.type === 'CUSTOM' && event.name === 'status_entry' ? event.value!.seq : undefined;
  });
};

/** MCP `read_progress` pages; a call is one frame, whole or not at all: entries and last_seq. */
function mcpPages(limit: number): Reader {
  return async ({ url }, room, from) => {
    const client = new Client({ name: 'resume-test', version: '1.0.0' });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(`${url}/status/mcp`), {
        requestInit: { headers: auth },
      }),
    );
    const frames: Frame[] = [];
    try {
      let after = from;
      for (;;) {
        const result = await client.callTool({
          name: 'read_progress',
          arguments: { room_id: room, limit, ...(after === undefined ? {} : { after_seq: after }) },
        });
        const page = result.structuredContent as { entries: StatusEntryJson[]; last_seq: number };
        frames.push({ id: page.last_seq, seqs: page.entries.map((e) => e.seq!) });
        if (after === undefined || page.entries.length < limit) return frames;
        after = page.last_seq;
      }
    } finally {
      await client.close();
    }
  };
}

const protocols: [string, Reader][] = [
  ['the status stream', statusStream],
  ['AG-UI runs', agUiRun],
  ['MCP read_progress', mcpPages(3)],
];

/** What a client does between reads: more entries are posted, then it reads and is cut. */
const steps = fc.array(
  fc.record({
    posts: fc.array(
      fc.record({ room: fc.constantFrom(...ROOMS), agent: fc.constantFrom('a', 'b') }),
      {
        maxLength: 12,
      },
    ),
    /** How many frames of the read the client gets before it is cut; `null`: all of them. */
    cut: fc.option(fc.nat(20)),
  }),
  { minLength: 1, maxLength: 5 },
);

describe.each([
  ['one instance, in memory', 1],
  ['two instances sharing PostgreSQL', 2],
])('resume tokens, %s', (_name, count) => {
  let db: TestDatabase | undefined;
  const instances: Instance[] = [];
  beforeAll(async () => {
    let options = {};
    if (count > 1) {
      db = await createTestDatabase('resume_tokens');
      options = { postgres: { url: db.url, migrationsRun: true } };
    }
    for (let i = 0; i < count; i++) instances.push(await startAdminApp({ token: TOKEN }, options));
  });
  afterAll(async () => {
    await Promise.all(instances.map((i) => i.app.close()));
    await db?.drop();
  });

  it.each(protocols)(
    '%s: resuming from the last id seen never skips or doubles',
    async (_p, read) => {
      let runs = 0;
      await fc.assert(
        fc.asyncProperty(fc.constantFrom(...ROOMS), fc.nat(10), steps, async (room, lead, plan) => {
          const bus = instances[0]!.bus;
          for (let i = 0; i < lead; i++) bus.post('a', `lead_${i}`, 'info', { roomId: room });
          await bus.flush();
          const [newest] = await bus.recent(1);
          const first = newest?.seq ?? 0;
          let position: number = first;
          const received: number[] = [];
          let turn = runs++;
          for (const { posts, cut } of [...plan, { posts: [], cut: null }]) {
            for (const post of posts) bus.post(post.agent, 'step', 'info', { roomId: post.room });
            await bus.flush();
            // Another instance must have delivered them too before it is read from.
            const instance = instances[turn++ % instances.length]!;
            const frames = await read(instance, room, position);
            const kept = cut === null ? frames : frames.slice(0, cut);
            const ids = kept.filter((f) => f.id !== undefined).map((f) => f.id!);
            expect([...ids].sort((a, b) => a - b)).toEqual(ids);
            for (const frame of kept) {
              received.push(...frame.seqs);
              if (frame.id !== undefined) position = frame.id;
            }
          }
          const log = (await bus.entriesAfter(first, 10_000, { roomId: room })).map((e) => e.seq!);
          expect(received).toEqual(log);
        }),
        { numRuns: count > 1 ? 8 : 15 },
      );
    },
  );
});
