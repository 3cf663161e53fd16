import { StreamResponse, TaskState } from '@a2a-js/sdk';
import { EventSource } from 'eventsource';
import { StatusBusExecutionEventBusManager } from '../../src/a2a';
import { eventually } from '../support/bus-app';
import { createTestDatabase, TestDatabase } from '../support/test-database';
import { A2aApp, startA2aApp } from './a2a-app';
import { drain, seqOf, taskIdOf, userMessage } from './a2a-events';
import { ManualPace, SteppingAgent, TimedPace } from './stepping-agent';

/** A raw JSON-RPC call to the agent; answers the HTTP status and the body. */
async function rpc(
  url: string,
  body: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: { error?: { code: number; message: string } } }> {
  const response = await fetch(`${url}/a2a`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'A2A-Version': '1.0', ...headers },
    body,
  });
  return { status: response.status, body: (await response.json()) as never };
}

const call = (method: string, params: unknown) =>
  JSON.stringify({ jsonrpc: '2.0', id: 1, method, params });

/** The channels the manager routes entries to now, per task. */
function openChannels(served: A2aApp): number {
  const manager = served.app.get(StatusBusExecutionEventBusManager);
  let count = 0;
  for (const channels of (
    manager as unknown as { channels: Map<string, Set<unknown>> }
  ).channels.values()) {
    count += channels.size;
  }
  return count;
}

describe('A2A streams resume from any id they sent (in memory)', () => {
  let served: A2aApp | undefined;
  afterEach(async () => {
    await served?.app.close();
    served = undefined;
  });

  it('gives every SSE frame an id; a standard EventSource cut mid-stream resumes with Last-Event-ID, nothing lost or doubled', async () => {
    const pace = new ManualPace();
    served = await startA2aApp({}, new SteppingAgent(pace, 6));
    const started: StreamResponse[] = [];
    pace.step(1);
    const origin = drain(served.client.sendMessageStream(userMessage('es-1')), started);
    await eventually(() => started.length === 2);
    const taskId = taskIdOf(started);

    // A browser-style client: each connection POSTs SubscribeToTask; the first is cut after two
    // frames, as a dropped connection would be, and the client reconnects by itself.
    const connections: { id: string; data: StreamResponse }[][] = [];
    let opened = 0;
    const source = new EventSource(`${served.url}/a2a`, {
      fetch: async (input, init) => {
        const response = await fetch(input, {
          ...init,
          method: 'POST',
          headers: { ...init?.headers, 'Content-Type': 'application/json', 'A2A-Version': '1.0' },
          body: call('SubscribeToTask', { id: taskId }),
        });
        connections.push([]);
        if (opened++ > 0 || !response.body) return response;
        let frames = 0;
        const reader = response.body.getReader();
        const cut = new ReadableStream<Uint8Array>({
          async pull(controller) {
            const { done, value } = await reader.read();
            if (done) return controller.close();
            controller.enqueue(value);
            frames += new TextDecoder().decode(value).split('\n\n').length - 1;
            if (frames >= 2) {
              await reader.cancel();
              controller.error(new Error('connection dropped'));
            }
          },
        });
        return new Response(cut, { status: response.status, headers: response.headers });
      },
    });
    let finished = false;
    source.onmessage = (message) => {
      const frame = JSON.parse(message.data as string) as { result: unknown };
      const data = StreamResponse.fromJSON(frame.result);
      connections.at(-1)!.push({ id: message.lastEventId, data });
      const payload = data.payload!;
      if (
        payload.$case === 'statusUpdate' &&
        payload.value.status?.state === TaskState.TASK_STATE_COMPLETED
      ) {
        finished = true;
        source.close();
      }
    };
    const follow = async () => {
      await eventually(() => connections[0]?.length === 1); // the task as it stands
      pace.step(1); // step 2 reaches the first connection, which is then cut
      await eventually(() => source.readyState === source.CONNECTING);
      pace.step(1); // step 3 happens while nobody is connected
      await eventually(() => (connections[1]?.length ?? 0) >= 1, 10_000); // reconnected by itself
      pace.step(4); // steps 4 to 6, the artifact and the end
      await eventually(() => finished);
    };
    try {
      await follow();
    } finally {
      source.close();
    }
    await origin;
    expect(connections.length).toBe(2);
    // Every frame has an id, non-decreasing within each connection.
    for (const frames of connections) {
      const ids = frames.map((f) => Number(f.id));
      expect(ids.every((id) => id > 0)).toBe(true);
      expect([...ids].sort((a, b) => a - b)).toEqual(ids);
    }
    // Each connection opens with the task; the events after it, across connections, are exactly
    // the task's entries after the first connection's position, once each, in order.
    const first = Number(connections[0]![0]!.id);
    const events = connections.flatMap((frames) => frames.slice(1)).map((f) => seqOf(f.data));
    const entries = await served.bus.recent(100, { roomId: 'es-1' });
    expect(events).toEqual(entries.map((e) => e.seq!).filter((seq) => seq > first));
    // The second connection resumed from the last id the first one received.
    expect(connections[1]![0]!.id).toBe(connections[0]!.at(-1)!.id);
  });

  it('refuses a Last-Event-ID beyond the newest position instead of following from it', async () => {
    const pace = new ManualPace();
    served = await startA2aApp({}, new SteppingAgent(pace, 3));
    const started: StreamResponse[] = [];
    const origin = drain(served.client.sendMessageStream(userMessage('beyond')), started);
    await eventually(() => started.length === 1);
    const head = (await served.bus.recent(1))[0]!.seq!;
    await expect(
      drain(
        served.client.resubscribeTask(
          { id: taskIdOf(started), tenant: '' },
          { serviceParameters: { 'Last-Event-ID': '1000000' } },
        ),
        [],
      ),
    ).rejects.toThrow(
      new RegExp(`Last-Event-ID 1000000 is beyond the newest position on the bus \\(${head}\\)`),
    );
    pace.step(3);
    await origin;
    expect(openChannels(served)).toBe(0);
  });

  it('releases a resubscription whose client leaves while it waits for the next event', async () => {
    const pace = new ManualPace();
    served = await startA2aApp({}, new SteppingAgent(pace, 3));
    const started: StreamResponse[] = [];
    const origin = drain(served.client.sendMessageStream(userMessage('leave')), started);
    await eventually(() => started.length === 1);
    expect(openChannels(served)).toBe(1);
    for await (const response of served.client.resubscribeTask({
      id: taskIdOf(started),
      tenant: '',
    })) {
      expect(response.payload?.$case).toBe('task');
      break; // the client leaves after the snapshot, while the channel waits for the next event
    }
    await eventually(() => openChannels(served!) === 1);
    pace.step(3);
    await origin;
    expect(openChannels(served)).toBe(0);
  });

  it('reads nothing from the log for a task that does not exist', async () => {
    served = await startA2aApp({}, new SteppingAgent(new ManualPace(), 1));
    for (let i = 0; i < 3000; i++) served.bus.post('exec', 'step', 'info', { roomId: `r${i % 7}` });
    await served.bus.flush();
    const reads = jest.spyOn(served.bus, 'entriesAfter');
    const answer = await rpc(served.url, call('SubscribeToTask', { id: 'no-such-task' }), {
      'Last-Event-ID': '0',
    });
    expect(answer.body.error).toEqual(expect.objectContaining({ code: -32001 }));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(reads).not.toHaveBeenCalled();
    expect(openChannels(served)).toBe(0);
  });
});

describe('A2A JSON-RPC error codes, as the SDK client and raw JSON-RPC see them', () => {
  let db: TestDatabase | undefined;
  const served: A2aApp[] = [];
  afterEach(async () => {
    await Promise.all(served.splice(0).map((s) => s.app.close()));
    await db?.drop();
    db = undefined;
  });

  it.each([
    ['in memory', false],
    ['on two instances sharing PostgreSQL', true],
  ])('answers each error with its code, %s', async (_name, durable) => {
    if (durable) db = await createTestDatabase('a2a_codes');
    const bus = db ? { postgres: { url: db.url, migrationsRun: true } } : {};
    const pace = new ManualPace();
    pace.step(1);
    served.push(await startA2aApp(bus, new SteppingAgent(pace, 1)));
    if (db) served.push(await startA2aApp(bus, new SteppingAgent(new ManualPace(), 1)));
    const [a, b = a] = served as [A2aApp, A2aApp?];
    const done: StreamResponse[] = [];
    await drain(a.client.sendMessageStream(userMessage('codes')), done);
    const taskId = taskIdOf(done);

    for (const instance of [a, b]) {
      const codes = [
        (await rpc(instance.url, '{"jsonrpc": "2.0", "method": ')).body.error?.code,
        (await rpc(instance.url, JSON.stringify({ jsonrpc: '2.0', id: 1 }))).body.error?.code,
        (await rpc(instance.url, call('NoSuchMethod', {}))).body.error?.code,
        (await rpc(instance.url, call('GetTask', 'not an object'))).body.error?.code,
        (await rpc(instance.url, call('GetTask', { id: 'no-such-task' }))).body.error?.code,
        (await rpc(instance.url, call('CancelTask', { id: taskId }))).body.error?.code,
        (await rpc(instance.url, call('SubscribeToTask', { id: taskId }))).body.error?.code,
        (await rpc(instance.url, call('GetTask', { id: taskId }), { 'A2A-Version': '9.9' })).body
          .error?.code,
      ];
      expect(codes).toEqual([-32700, -32600, -32601, -32602, -32001, -32002, -32004, -32009]);
    }
  });
});

describe('A2A conformance through the SDK’s own client, on two instances sharing PostgreSQL', () => {
  let db: TestDatabase;
  const served: A2aApp[] = [];
  afterEach(async () => {
    await Promise.all(served.splice(0).map((s) => s.app.close()));
    await db.drop();
  });

  it('answers every JSON-RPC method on either instance, and each refusal with its A2A error', async () => {
    db = await createTestDatabase('a2a_conformance');
    const bus = { postgres: { url: db.url, migrationsRun: true } };
    for (let i = 0; i < 2; i++) {
      const pace = new ManualPace();
      pace.step(1000);
      served.push(await startA2aApp(bus, new SteppingAgent(pace, 1)));
    }
    const codeOf = async (call: Promise<unknown>) =>
      call.then(
        () => 'answered',
        // The SDK's client raises each A2A error as a class of its own, with the wire code.
        (err: Error & { envelopeCode?: number }) => err.envelopeCode ?? err.constructor.name,
      );
    for (const [i, { client }] of served.entries()) {
      const other = served[1 - i]!.client;
      const task = (await client.sendMessage(userMessage(`conf-${i}`))) as { id: string };
      const streamed: StreamResponse[] = [];
      await drain(client.sendMessageStream(userMessage(`conf-s-${i}`)), streamed);
      expect(streamed.at(-1)!.payload!.$case).toBe('statusUpdate');
      // Read on the other instance: one agent, whichever instance answers.
      const read = await other.getTask({ id: task.id, tenant: '', historyLength: undefined });
      expect(TaskState[read.status!.state]).toBe('TASK_STATE_COMPLETED');
      const listed = await other.listTasks({
        tenant: '',
        contextId: `conf-${i}`,
        status: TaskState.TASK_STATE_UNSPECIFIED,
        pageToken: '',
        statusTimestampAfter: undefined,
      });
      expect(listed.tasks.map((t) => t.id)).toEqual([task.id]);
      const config = { tenant: '', taskId: task.id, id: 'c1', url: 'https://example.com/hook' };
      const refusals = {
        getUnknown: await codeOf(
          client.getTask({ id: 'no-such-task', tenant: '', historyLength: undefined }),
        ),
        cancelEnded: await codeOf(
          client.cancelTask({ id: task.id, tenant: '', metadata: undefined }),
        ),
        resubscribeEnded: await codeOf(
          drain(client.resubscribeTask({ id: task.id, tenant: '' }), []),
        ),
        // The SDK's client asks only when a card offers one; asked anyway, it is refused.
        extendedCard: (await rpc(served[i]!.url, call('GetExtendedAgentCard', {}))).body.error
          ?.code,
        // The SDK's client refuses push configurations itself when the card offers none; the
        // server, asked anyway, refuses them too.
        ...Object.fromEntries(
          await Promise.all(
            [
              ['createPush', 'CreateTaskPushNotificationConfig', config],
              ['getPush', 'GetTaskPushNotificationConfig', { taskId: task.id, id: 'c1' }],
              ['listPush', 'ListTaskPushNotificationConfigs', { taskId: task.id }],
              ['deletePush', 'DeleteTaskPushNotificationConfig', { taskId: task.id, id: 'c1' }],
            ].map(async ([name, method, params]) => [
              name,
              (await rpc(served[i]!.url, call(method as string, params))).body.error?.code,
            ]),
          ),
        ),
      };
      expect(refusals).toEqual({
        getUnknown: -32001,
        cancelEnded: -32002,
        resubscribeEnded: -32004,
        // The card offers no extended card: not an operation this agent supports.
        extendedCard: -32004,
        createPush: -32003,
        getPush: -32003,
        listPush: -32003,
        deletePush: -32003,
      });
    }
  });
});

describe('A2A resubscription across instances (PostgreSQL)', () => {
  let db: TestDatabase;
  const served: A2aApp[] = [];
  beforeEach(async () => {
    db = await createTestDatabase('a2a_resume');
  });
  afterEach(async () => {
    await Promise.all(served.splice(0).map((s) => s.app.close()));
    await db.drop();
  });

  it('a stream dropped on A, followed on B without Last-Event-ID: the events right after B’s snapshot, none skipped', async () => {
    const bus = { postgres: { url: db.url, migrationsRun: true } };
    const a = await startA2aApp(bus, new SteppingAgent(new TimedPace(15), 30));
    const b = await startA2aApp(bus, new SteppingAgent(new ManualPace(), 30));
    served.push(a, b);
    const before: StreamResponse[] = [];
    for await (const response of a.client.sendMessageStream(userMessage('hop'))) {
      before.push(response);
      if (before.length === 3) break;
    }
    const after: StreamResponse[] = [];
    await drain(b.client.resubscribeTask({ id: taskIdOf(before), tenant: '' }), after);
    const snapshot = seqOf(after[0]!);
    const entries = await b.bus.recent(100, { roomId: 'hop' });
    expect(after.slice(1).map(seqOf)).toEqual(
      entries.map((e) => e.seq!).filter((seq) => seq > snapshot),
    );
    expect(after.at(-1)!.payload!.$case).toBe('statusUpdate');
  });
});
