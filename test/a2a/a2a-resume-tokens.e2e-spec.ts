import { StreamResponse, TaskState } from '@a2a-js/sdk';
import type { AgentExecutor, ExecutionEventBus, RequestContext } from '@a2a-js/sdk/server';
import fc from 'fast-check';
import type { BusAppOptions } from '../support/bus-app';
import { createTestDatabase, TestDatabase } from '../support/test-database';
import { A2aApp, startA2aApp } from './a2a-app';
import { statusOf, submitted } from './agent-events';
import { seqOf, userMessage } from './a2a-events';
import { ManualPace } from './stepping-agent';

/**
 * An agent that takes one step per tick of its pace, its end included: the test ticks only
 * while its client is connected, so every event happens while someone listens, and the task
 * never ends while the client is away (a resubscription to an ended task is refused).
 */
class TickingAgent implements AgentExecutor {
  constructor(
    private readonly pace: ManualPace,
    private readonly steps: number,
  ) {}

  execute = async (request: RequestContext, bus: ExecutionEventBus): Promise<void> => {
    bus.publish(submitted(request));
    for (let step = 1; step <= this.steps; step++) {
      await this.pace.next();
      bus.publish(statusOf(request, 'TASK_STATE_WORKING', `step ${step}`));
    }
    await this.pace.next();
    bus.publish(statusOf(request, 'TASK_STATE_COMPLETED', 'done'));
    bus.finished();
  };

  cancelTask = async (): Promise<void> => {};
}

/** One frame of a stream: its id and its event. */
interface Frame {
  id: number;
  event: StreamResponse;
}

/**
 * Opens `SubscribeToTask` as a raw SSE client would, and reads frames until it has `cut` of
 * them (then drops the connection) or the task ends; `onFrame` runs after each.
 */
async function follow(
  url: string,
  taskId: string,
  lastEventId: number | undefined,
  cut: number,
  onFrame: () => void,
): Promise<Frame[]> {
  const controller = new AbortController();
  const response = await fetch(`${url}/a2a`, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/json',
      'A2A-Version': '1.0',
      Accept: 'text/event-stream',
      ...(lastEventId === undefined ? {} : { 'Last-Event-ID': String(lastEventId) }),
    },
    body: JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method: 'SubscribeToTask',
      params: { id: taskId },
    }),
    signal: controller.signal,
  });
  const frames: Frame[] = [];
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  let text = '';
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return frames;
      text += decoder.decode(value, { stream: true });
      let end: number;
      while ((end = text.indexOf('\n\n')) >= 0) {
        const block = text.slice(0, end);
        text = text.slice(end + 2);
        const id = /^id: (\d+)$/m.exec(block);
        const data = /^data: (.*)$/m.exec(block);
        if (!data) continue;
        const frame = JSON.parse(data[1]!) as { result?: unknown; error?: unknown };
        if (!frame.result) throw new Error(`the stream answered ${data[1]}`);
        frames.push({ id: Number(id?.[1] ?? NaN), event: StreamResponse.fromJSON(frame.result) });
        if (frames.length >= cut || isEnd(frames.at(-1)!.event)) return frames;
        onFrame();
      }
    }
  } finally {
    controller.abort();
  }
}

function isEnd(event: StreamResponse): boolean {
  const payload = event.payload!;
  return (
    payload.$case === 'statusUpdate' &&
    payload.value.status?.state === TaskState.TASK_STATE_COMPLETED
  );
}

describe.each([
  ['one instance, in memory', 1],
  ['two instances sharing PostgreSQL', 2],
])('A2A resume tokens, %s', (_name, count) => {
  let db: TestDatabase | undefined;
  afterEach(async () => {
    await db?.drop();
    db = undefined;
  });

  it('a client cut at random frames and resuming from the last id gets every event once, in order', async () => {
    if (count > 1) db = await createTestDatabase('a2a_tokens');
    const bus: BusAppOptions = db ? { postgres: { url: db.url, migrationsRun: true } } : {};
    const pace = new ManualPace();
    const steps = 6;
    const apps: A2aApp[] = [await startA2aApp(bus, new TickingAgent(pace, steps))];
    if (count > 1) apps.push(await startA2aApp(bus, new TickingAgent(new ManualPace(), steps)));
    try {
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 8 }),
          async (cuts) => {
            const [a] = apps as [A2aApp];
            // The task's own stream runs to the end, so the store follows the task.
            const origin = a.client.sendMessageStream(userMessage(`ctx-${Math.random()}`));
            const first = await origin.next();
            const taskId = (first.value as StreamResponse).payload!.value as { id: string };
            const draining = (async () => {
              for await (const _ of origin) void _;
            })();
            const connections: Frame[][] = [];
            let position: number | undefined;
            for (let i = 0; ; i++) {
              const instance = apps[i % apps.length]!;
              const cut = cuts[i] ?? Number.MAX_SAFE_INTEGER;
              const frames = await follow(instance.url, taskId.id, position, cut, () =>
                pace.step(1),
              );
              connections.push(frames);
              if (frames.length > 0) position = frames.at(-1)!.id;
              if (frames.some((f) => isEnd(f.event))) break;
              if (i > 40) throw new Error('the task never ended');
            }
            await draining;
            for (const frames of connections) {
              const ids = frames.map((f) => f.id);
              expect(ids.every(Number.isSafeInteger)).toBe(true);
              expect([...ids].sort((x, y) => x - y)).toEqual(ids);
            }
            // Each connection opens with the task as it stands; the events after it are exactly
            // the task's entries after the first connection's position, once each, in order.
            const start = connections[0]![0]!.id;
            const received = connections
              .flatMap((frames) => frames.slice(1))
              .map((f) => seqOf(f.event));
            const entries = await a.bus.recent(200);
            const expected = entries
              .filter((e) => e.metadata.task_id === taskId.id && e.seq! > start)
              .map((e) => e.seq!);
            expect(received).toEqual(expected);
          },
        ),
        { numRuns: count > 1 ? 6 : 12 },
      );
    } finally {
      await Promise.all(apps.map((app) => app.app.close()));
    }
  }, 120_000);
});
