import { Message, SendMessageRequest, Task, TaskState } from '@a2a-js/sdk';
import type { AgentExecutor } from '@a2a-js/sdk/server';
import { InvalidStatusEntryError } from '../../src';
import type { BusAppOptions } from '../support/bus-app';
import { createTestDatabase, TestDatabase } from '../support/test-database';
import { A2aApp, startA2aApp } from './a2a-app';
import { userMessage } from './a2a-events';
import { CopyingAgent, FailingAgent, FinishingAgent } from './sample-agents';

/** A user's message of about `kb` kilobytes: under the HTTP body limit, over the bus's metadata one. */
function largeMessage(contextId: string, kb: number): SendMessageRequest {
  return userMessage(contextId, 'x'.repeat(kb * 1024));
}

function stateOf(result: Message | Task): string {
  if (!('status' in result)) return 'message';
  return TaskState[result.status!.state];
}

/** The same promises on each store: executors written as the SDK's samples are served right. */
describe.each([
  ['in memory', false],
  ['on PostgreSQL', true],
])('A2A executors written the SDK’s way, %s', (_name, durable) => {
  let db: TestDatabase | undefined;
  let served: A2aApp | undefined;
  const start = async (executor: AgentExecutor): Promise<A2aApp> => {
    let bus: BusAppOptions = {};
    if (durable) {
      db = await createTestDatabase('a2a_sdk');
      bus = { postgres: { url: db.url, migrationsRun: true } };
    }
    served = await startA2aApp(bus, executor);
    return served;
  };
  afterEach(async () => {
    await served?.app.close();
    await db?.drop();
    served = undefined;
    db = undefined;
  });

  it('completes a task whose executor calls finished() right after its last publish', async () => {
    const { client } = await start(new FinishingAgent());
    const result = await client.sendMessage(userMessage('finishing'));
    expect(stateOf(result)).toBe('TASK_STATE_COMPLETED');
    const task = await client.getTask({ id: (result as Task).id, tenant: '', historyLength: 0 });
    expect(TaskState[task.status!.state]).toBe('TASK_STATE_COMPLETED');
  });

  it('streams a finishing executor’s events to the end', async () => {
    const { client } = await start(new FinishingAgent());
    const states: string[] = [];
    for await (const response of client.sendMessageStream(userMessage('finishing-stream'))) {
      const payload = response.payload!;
      if (payload.$case === 'task' || payload.$case === 'statusUpdate') {
        states.push(TaskState[payload.value.status!.state]);
      }
    }
    expect(states).toEqual(['TASK_STATE_SUBMITTED', 'TASK_STATE_WORKING', 'TASK_STATE_COMPLETED']);
  });

  it('fails the task of a failing executor whose message is too large to store, and keeps serving', async () => {
    const { client, bus } = await start(new FailingAgent());
    const result = await client.sendMessage(largeMessage('large-fail', 70));
    expect(stateOf(result)).toBe('TASK_STATE_FAILED');
    const task = await client.getTask({ id: (result as Task).id, tenant: '', historyLength: 0 });
    expect(TaskState[task.status!.state]).toBe('TASK_STATE_FAILED');
    // The bus goes on: a later, ordinary task is served and stored.
    const next = await client.sendMessage(userMessage('after-large'));
    expect(stateOf(next)).toBe('TASK_STATE_FAILED');
    expect((await bus.recent(1, { roomId: 'after-large' }))[0]?.status).toBe('failed');
  });

  it('fails, rather than crashes on, a task whose executor copies a too-large message into it', async () => {
    const { client } = await start(new CopyingAgent());
    const result = await client.sendMessage(largeMessage('large-copy', 70));
    expect(stateOf(result)).toBe('TASK_STATE_FAILED');
    const text = (result as Task).status!.message?.parts[0]?.content;
    expect(text?.$case === 'text' && text.value).toMatch(/could not be stored.*metadata/);
  });

  it('refuses a post in the a2a. namespace from user code: only the A2A part writes task events', async () => {
    const { bus, client } = await start(new FinishingAgent());
    const result = (await client.sendMessage(userMessage('forged'))) as Task;
    for (const action of ['a2a.status', 'a2a.cancel', 'a2a.task']) {
      expect(() =>
        bus.post('intruder', action, 'completed', {
          detail: 'forged',
          metadata: { task_id: result.id, context_id: 'forged' },
        }),
      ).toThrow(InvalidStatusEntryError);
      await expect(bus.postAsync('intruder', action, 'completed')).rejects.toThrow(
        /action .*a2a\..* reserved/,
      );
    }
  });
});

describe('A2A authentication through the SDK’s UserBuilder', () => {
  let served: A2aApp | undefined;
  afterEach(async () => {
    await served?.app.close();
    served = undefined;
  });

  it('serves authenticated callers only, each seeing its own tasks, and keeps the card public', async () => {
    served = await startA2aApp({}, new FinishingAgent(), {
      a2a: {
        userBuilder: async (req) => {
          const header = req.headers.authorization ?? '';
          if (header.includes('crash')) throw new Error(`token ${header} is malformed`);
          const match = /^Bearer (\w+)$/.exec(header);
          return { isAuthenticated: match !== null, userName: match?.[1] ?? '' };
        },
      },
    });
    const { url, client } = served;
    const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'GetTask', params: { id: 'x' } });
    for (const authorization of [undefined, 'Basic abc', 'Bearer crash-secret-42']) {
      const response = await fetch(`${url}/a2a`, {
        method: 'POST',
        headers: {
          'Content-Type': 'application/json',
          'A2A-Version': '1.0',
          ...(authorization ? { Authorization: authorization } : {}),
        },
        body,
      });
      expect([authorization, response.status]).toEqual([authorization, 401]);
      expect(response.headers.get('www-authenticate')).toBe('Bearer');
      expect(await response.text()).not.toMatch(/secret|crash/);
    }
    expect((await fetch(`${url}/.well-known/agent-card.json`)).status).toBe(200);

    const as = (user: string) => ({ serviceParameters: { Authorization: `Bearer ${user}` } });
    const task = (await client.sendMessage(userMessage('auth'), as('alice'))) as Task;
    expect(stateOf(task)).toBe('TASK_STATE_COMPLETED');
    const read = { id: task.id, tenant: '', historyLength: 0 };
    expect((await client.getTask(read, as('alice'))).id).toBe(task.id);
    await expect(client.getTask(read, as('bob'))).rejects.toThrow(/Task not found/);
  });
});
