import { HttpAgent } from '@ag-ui/client';
import type { BaseEvent } from '@ag-ui/core';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { INestApplication } from '@nestjs/common';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import { StatusBusModule, StatusBusService, StatusEntryJson } from '../../src';
import { eventually } from '../support/bus-app';
import { startAdminApp, TOKEN } from '../support/admin-app';
import { createTestDatabase, migratedDataSource, TestDatabase } from '../support/test-database';

const auth = { Authorization: `Bearer ${TOKEN}` };

async function mcpClient(url: string, headers: Record<string, string> = auth): Promise<Client> {
  const client = new Client({ name: 'test-agent', version: '1.0.0' });
  await client.connect(
    new StreamableHTTPClientTransport(new URL(`${url}/status/mcp`), { requestInit: { headers } }),
  );
  return client;
}

/** An AG-UI event with the fields the tests look at. */
type RunEvent = Omit<BaseEvent, 'type'> & { type: string; [field: string]: unknown };

interface RunResult {
  events: RunEvent[];
  state: { agents: { agent_id: string; seq: number; status: string }[]; last_seq: number };
  error?: unknown;
}

/** Runs an AG-UI run with the client library, collecting every event it verified. */
async function agUiRun(
  url: string,
  threadId: string,
  forwardedProps: Record<string, unknown> = {},
  abortAfter?: (events: RunResult['events']) => boolean,
): Promise<RunResult> {
  const agent = new HttpAgent({ url: `${url}/status/ag-ui`, headers: auth, threadId });
  const events: RunResult['events'] = [];
  const abortController = new AbortController();
  let error: unknown;
  try {
    await agent.runAgent(
      { forwardedProps, abortController },
      {
        onEvent: ({ event }) => {
          events.push(event);
          if (abortAfter?.(events)) abortController.abort();
        },
        onRunFailed: ({ error: e }) => {
          error = e;
        },
      },
    );
  } catch (err) {
    error = err;
  }
  return { events, state: agent.state as RunResult['state'], error };
}

const customEntries = (events: RunResult['events']) =>
  events
    .filter((e) => e.type === 'CUSTOM' && e.name === 'status_entry')
    .map((e) => e.value as StatusEntryJson);

/** The admin API with both endpoints, in memory, on Express or on Fastify. */
async function startOn(platform: 'express' | 'fastify') {
  if (platform === 'express') return startAdminApp(undefined, { maxEntries: 50 });
  const moduleRef = await Test.createTestingModule({
    imports: [StatusBusModule.forRoot({ maxEntries: 50, admin: { token: TOKEN } })],
  }).compile();
  const app = moduleRef.createNestApplication<NestFastifyApplication>(new FastifyAdapter(), {
    logger: false,
  });
  await app.listen(0, '127.0.0.1');
  return { app, bus: app.get(StatusBusService), url: await app.getUrl() };
}

describe.each(['express', 'fastify'] as const)(
  'MCP and AG-UI endpoints on %s, driven by their own client libraries',
  (platform) => {
    let app: INestApplication;
    let bus: StatusBusService;
    let url: string;

    beforeEach(async () => {
      ({ app, bus, url } = await startOn(platform));
    });
    afterEach(() => app.close());

    it('MCP: lists the tools, reads progress and resumes exactly after last_seq', async () => {
      const client = await mcpClient(url);
      const { tools } = await client.listTools();
      expect(tools.map((t) => t.name).sort()).toEqual(['post_status', 'read_progress']);
      expect(tools.find((t) => t.name === 'read_progress')!.outputSchema).toBeDefined();

      await bus.postAsync('exec', 'search', 'info', { detail: 'Found 7', roomId: 'call-1' });
      await bus.postAsync('exec', 'open', 'ok', { roomId: 'call-2' });
      const first = await client.callTool({
        name: 'read_progress',
        arguments: { room_id: 'call-1' },
      });
      const structured = first.structuredContent as {
        entries: StatusEntryJson[];
        last_seq: number;
      };
      expect(structured.entries.map((e) => e.action)).toEqual(['search']);
      expect((first.content as { text: string }[])[0]!.text).toMatch(/exec: search, info.*Found 7/);

      const later = await bus.postAsync('exec', 'click', 'completed', { roomId: 'call-1' });
      const resumed = await client.callTool({
        name: 'read_progress',
        arguments: { room_id: 'call-1', after_seq: structured.last_seq },
      });
      const next = resumed.structuredContent as { entries: StatusEntryJson[]; last_seq: number };
      expect(next.entries.map((e) => e.seq)).toEqual([later.seq]);
      expect(next.last_seq).toBe(later.seq);
      await client.close();
    });

    it('MCP: posts through post_status, and the entry is in the store and on the AG-UI stream', async () => {
      const client = await mcpClient(url);
      const following = agUiRun(url, 'call-9', { follow_ms: 1500 });
      await eventually(() => bus.stats().subscribers > 0);
      const result = await client.callTool({
        name: 'post_status',
        arguments: { agent_id: 'planner', action: 'plan', status: 'pending', room_id: 'call-9' },
      });
      const stored = result.structuredContent as StatusEntryJson;
      expect(stored.seq).toBeGreaterThan(0);
      expect((await bus.recent(1))[0]!.toJSON()).toEqual(stored);
      const run = await following;
      expect(run.error).toBeUndefined();
      expect(customEntries(run.events)).toEqual([stored]);
      expect(run.state.agents).toEqual([
        expect.objectContaining({ agent_id: 'planner', seq: stored.seq }),
      ]);
      await client.close();
    });

    it('MCP: bad arguments are a tool error naming the field, and nothing is stored', async () => {
      const client = await mcpClient(url);
      const before = bus.stats().accepted;
      const bad = await client.callTool({
        name: 'post_status',
        arguments: { agent_id: 'exec', action: 'x', status: 'exploded' },
      });
      expect(bad.isError).toBe(true);
      expect((bad.content as { text: string }[])[0]!.text).toMatch(/status/);
      const wrongType = await client.callTool({
        name: 'read_progress',
        arguments: { limit: 1000 },
      });
      expect(wrongType.isError).toBe(true);
      expect((wrongType.content as { text: string }[])[0]!.text).toMatch(/limit/);
      expect(bus.stats().accepted).toBe(before);
      await client.close();
    });

    it('MCP: each room board is a resource', async () => {
      await bus.postAsync('exec', 'search', 'info', { roomId: 'call-1' });
      const client = await mcpClient(url);
      const { resources } = await client.listResources();
      expect(resources.map((r) => r.uri)).toContain('status://rooms/call-1/snapshot');
      const read = await client.readResource({ uri: 'status://rooms/call-1/snapshot' });
      expect(JSON.parse((read.contents[0] as { text: string }).text)).toEqual([
        expect.objectContaining({ agent_id: 'exec', room_id: 'call-1', action: 'search' }),
      ]);
      await client.close();
    });

    it('MCP: post_status and POST /status refuse the reserved a2a. namespace, storing nothing', async () => {
      const client = await mcpClient(url);
      const forged = await client.callTool({
        name: 'post_status',
        arguments: {
          agent_id: 'intruder',
          action: 'a2a.status',
          status: 'completed',
          metadata: { task_id: 't-1', tenant: 'other', a2a_state: 'TASK_STATE_COMPLETED' },
        },
      });
      expect(forged.isError).toBe(true);
      expect((forged.content as { text: string }[])[0]!.text).toMatch(/action .*'a2a\.'.*reserved/);
      const rest = await fetch(`${url}/status`, {
        method: 'POST',
        headers: { ...auth, 'Content-Type': 'application/json' },
        body: JSON.stringify({ agent_id: 'intruder', action: 'a2a.cancel', status: 'pending' }),
      });
      expect(rest.status).toBe(400);
      expect(await rest.text()).toMatch(/action .*'a2a\.'.*reserved/);
      expect(await bus.recent(10)).toEqual([]);
      await client.close();
    });

    it('MCP: post_status keeps a metadata key named __proto__ as data (Fastify refuses the body)', async () => {
      const client = await mcpClient(url);
      const metadata = JSON.parse('{"__proto__":{"polluted":true},"plain":1}') as object;
      const call = client.callTool({
        name: 'post_status',
        arguments: { agent_id: 'exec', action: 'odd', status: 'info', metadata },
      });
      if (platform === 'fastify') {
        // Fastify's JSON parser refuses such keys outright (its protoAction default): refused
        // whole, never stored without them.
        await expect(call).rejects.toThrow(/400.*not valid JSON/);
        expect(await bus.recent(1)).toEqual([]);
        return client.close();
      }
      expect((await call).isError).toBeFalsy();
      const [stored] = await bus.recent(1);
      expect(JSON.stringify(stored!.metadata)).toBe('{"__proto__":{"polluted":true},"plain":1}');
      expect(({} as { polluted?: boolean }).polluted).toBeUndefined();
      await client.close();
    });

    it('MCP: read_progress refuses an after_seq beyond the head instead of echoing it as last_seq', async () => {
      await bus.postAsync('exec', 'a', 'info');
      const head = (await bus.postAsync('exec', 'b', 'info')).seq!;
      const client = await mcpClient(url);
      const beyond = await client.callTool({
        name: 'read_progress',
        arguments: { after_seq: 1_000_000 },
      });
      expect(beyond.isError).toBe(true);
      expect((beyond.content as { text: string }[])[0]!.text).toMatch(
        new RegExp(`after_seq is 1000000, beyond the newest position ${head}`),
      );
      const atHead = await client.callTool({
        name: 'read_progress',
        arguments: { after_seq: head },
      });
      expect(atHead.structuredContent).toEqual({ entries: [], last_seq: head });
      await client.close();
    });

    it('MCP: GET and DELETE are 405 with Allow: POST; a 401 says how to authenticate; no listChanged', async () => {
      for (const method of ['GET', 'DELETE']) {
        const response = await fetch(`${url}/status/mcp`, { method, headers: auth });
        expect([method, response.status, response.headers.get('allow')]).toEqual([
          method,
          405,
          'POST',
        ]);
      }
      const unauthorized = await fetch(`${url}/status/mcp`, { method: 'POST', body: '{}' });
      expect(unauthorized.status).toBe(401);
      expect(unauthorized.headers.get('www-authenticate')).toMatch(/^Bearer realm=/);
      const client = await mcpClient(url);
      const capabilities = client.getServerCapabilities()!;
      expect(capabilities.tools?.listChanged).not.toBe(true);
      expect(capabilities.resources?.listChanged).not.toBe(true);
      await client.close();
    });

    it('refuses both without the token (401), and a bad run input (400), storing nothing', async () => {
      await expect(mcpClient(url, {})).rejects.toThrow(/401/);
      const run = await fetch(`${url}/status/ag-ui`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ threadId: 'call-1', runId: 'r', messages: [] }),
      });
      expect(run.status).toBe(401);
      const bad = await fetch(`${url}/status/ag-ui`, {
        method: 'POST',
        headers: { ...auth, 'Content-Type': 'application/json' },
        body: JSON.stringify({ threadId: 'call-1', runId: 'r', forwardedProps: { follow_ms: -5 } }),
      });
      expect(bad.status).toBe(400);
      expect(await bad.text()).toMatch(/follow_ms/);
      expect(bus.stats().accepted).toBe(0);
    });

    it('AG-UI: a run the client library verifies: started, state, deltas and entries, finished, every event with an id', async () => {
      const a = await bus.postAsync('exec', 'search', 'info', { roomId: 'call-1' });
      const b = await bus.postAsync('voice', 'greet', 'ok', { roomId: 'call-1' });
      const c = await bus.postAsync('exec', 'click', 'completed', { roomId: 'call-1' });
      await bus.postAsync('exec', 'elsewhere', 'ok', { roomId: 'call-2' });
      const run = await agUiRun(url, 'call-1', { after_seq: a.seq! - 1 });
      expect(run.error).toBeUndefined();
      expect(run.events.map((e) => e.type)).toEqual([
        'RUN_STARTED',
        'STATE_SNAPSHOT',
        ...[a, b, c].flatMap(() => ['STATE_DELTA', 'CUSTOM']),
        'RUN_FINISHED',
      ]);
      expect(customEntries(run.events).map((e) => e.seq)).toEqual([a.seq, b.seq, c.seq]);
      expect(run.state.agents.map((x) => [x.agent_id, x.seq]).sort()).toEqual([
        ['exec', c.seq],
        ['voice', b.seq],
      ]);
      expect(run.state.last_seq).toBeGreaterThanOrEqual(c.seq!);

      // The raw stream: every event carries `id:` its position.
      const raw = await fetch(`${url}/status/ag-ui`, {
        method: 'POST',
        headers: { ...auth, 'Content-Type': 'application/json', Accept: 'text/event-stream' },
        body: JSON.stringify({ threadId: 'call-1', runId: 'r2', forwardedProps: { after_seq: 0 } }),
      });
      const frames = (await raw.text()).split('\n\n').filter((f) => f.includes('data:'));
      expect(frames.length).toBe(2 + 3 * 2 + 1);
      for (const frame of frames) expect(frame).toMatch(/^id: \d+\ndata: /);
    });

    it('AG-UI: without after_seq a run sends the state only, not the entries behind it', async () => {
      await bus.postAsync('exec', 'search', 'info', { roomId: 'call-1' });
      const last = await bus.postAsync('voice', 'greet', 'ok', { roomId: 'call-1' });
      const run = await agUiRun(url, 'call-1');
      expect(run.error).toBeUndefined();
      expect(run.events.map((e) => e.type)).toEqual([
        'RUN_STARTED',
        'STATE_SNAPSHOT',
        'RUN_FINISHED',
      ]);
      expect(run.state.agents.map((a) => a.agent_id).sort()).toEqual(['exec', 'voice']);
      expect(run.state.last_seq).toBe(last.seq);
    });

    it('AG-UI: a run cut mid-way resumes from its last id with nothing lost or doubled', async () => {
      const posted: number[] = [];
      const cut = agUiRun(
        url,
        'call-1',
        { after_seq: 0, follow_ms: 5000 },
        (events) => customEntries(events).length === 7,
      );
      await eventually(() => bus.stats().subscribers > 0);
      for (let i = 0; i < 20; i++) {
        posted.push((await bus.postAsync('exec', `step_${i}`, 'info', { roomId: 'call-1' })).seq!);
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      const seen = customEntries((await cut).events).map((e) => e.seq!);
      // Cut mid-way: the client stopped reading after 7 entries.
      expect(seen.length).toBeGreaterThanOrEqual(7);
      expect(seen.length).toBeLessThan(20);
      expect(seen).toEqual(posted.slice(0, seen.length));
      for (let i = 20; i < 25; i++) {
        posted.push((await bus.postAsync('exec', `step_${i}`, 'info', { roomId: 'call-1' })).seq!);
      }
      const resumed = await agUiRun(url, 'call-1', { after_seq: seen[seen.length - 1] });
      expect(resumed.error).toBeUndefined();
      expect([...seen, ...customEntries(resumed.events).map((e) => e.seq!)]).toEqual(posted);
    });

    it('AG-UI: a resume point older than what the store keeps is a RUN_ERROR naming the oldest position', async () => {
      for (let i = 0; i < 60; i++) bus.post('exec', `step_${i}`, 'info', { roomId: 'call-1' });
      await bus.flush();
      const oldest = await bus.oldestSeq();
      expect(oldest).toBe(11); // 60 posted, 50 kept
      const run = await agUiRun(url, 'call-1', { after_seq: 3 });
      const error = run.events.find((e) => e.type === 'RUN_ERROR');
      expect(error).toMatchObject({ code: 'resume_point_lost' });
      expect(String(error!.message)).toContain('oldest the store keeps is seq 11');
      expect(customEntries(run.events)).toEqual([]);
    });
  },
);

describe('AG-UI across instances (PostgreSQL)', () => {
  let db: TestDatabase;
  const apps: INestApplication[] = [];
  beforeEach(async () => {
    db = await createTestDatabase('protocols');
    await (await migratedDataSource(db.url)).destroy();
  });
  afterEach(async () => {
    await Promise.all(apps.splice(0).map((a) => a.close()));
    await db.drop();
  });

  it('follows a run on one instance while entries are posted on another', async () => {
    const served = await startAdminApp(undefined, { postgres: { url: db.url } });
    const other = await startAdminApp(undefined, { postgres: { url: db.url } });
    apps.push(served.app, other.app);
    const run = agUiRun(served.url, 'call-1', { follow_ms: 2000 });
    await eventually(() => served.bus.stats().subscribers > 0);
    const posted: number[] = [];
    for (let i = 0; i < 10; i++) {
      posted.push(
        (await other.bus.postAsync('exec', `step_${i}`, 'info', { roomId: 'call-1' })).seq!,
      );
    }
    const result = await run;
    expect(result.error).toBeUndefined();
    expect(customEntries(result.events).map((e) => e.seq)).toEqual(posted);
    expect(result.events.at(-1)!.type).toBe('RUN_FINISHED');
    expect(result.state.last_seq).toBe(posted[9]);
  });
});

describe('turning the protocol endpoints off', () => {
  it('admin.mcp: false and admin.agUi: false leave the routes out; other values are refused', async () => {
    const { app, url } = await startAdminApp({ token: TOKEN, mcp: false, agUi: false });
    try {
      const mcp = await fetch(`${url}/status/mcp`, { method: 'POST', headers: auth });
      const agUi = await fetch(`${url}/status/ag-ui`, { method: 'POST', headers: auth });
      expect([mcp.status, agUi.status]).toEqual([404, 404]);
    } finally {
      await app.close();
    }
    await expect(startAdminApp({ token: TOKEN, mcp: 'yes' as never })).rejects.toThrow(
      /admin options: mcp must be true or false/,
    );
  });
});
