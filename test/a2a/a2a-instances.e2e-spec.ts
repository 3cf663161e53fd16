import { StreamResponse, TaskState } from '@a2a-js/sdk';
import { ClientFactory } from '@a2a-js/sdk/client';
import { ChildProcess, fork } from 'node:child_process';
import { join } from 'node:path';
import { eventually } from '../support/bus-app';
import { createTestDatabase, TestDatabase } from '../support/test-database';
import { freePort } from '../support/free-port';
import { A2aApp, startA2aApp } from './a2a-app';
import { describeEvent, drain, seqOf, taskIdOf, userMessage } from './a2a-events';
import { ManualPace, SteppingAgent } from './stepping-agent';

/** The stepping agent's application in a child process, on `port`. */
async function agentProcess(databaseUrl: string, port: number): Promise<ChildProcess> {
  const child = fork(join(__dirname, 'a2a-agent.process.ts'), [], {
    execArgv: ['-r', 'ts-node/register/transpile-only'],
    env: {
      ...process.env,
      A2A_AGENT: JSON.stringify({ databaseUrl, port, paceMs: 150, steps: 40 }),
    },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  await new Promise<void>((resolve, reject) => {
    child.once('message', () => resolve());
    child.once('exit', (code) => reject(new Error(`agent process exited with ${code}`)));
  });
  return child;
}

function kill(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGKILL');
  return exited;
}

describe('A2A on several instances sharing one database', () => {
  let db: TestDatabase;
  const apps: A2aApp[] = [];
  const children: ChildProcess[] = [];
  beforeEach(async () => {
    db = await createTestDatabase('a2a');
  });
  afterEach(async () => {
    await Promise.all(children.splice(0).map(kill));
    await Promise.all(apps.splice(0).map((a) => a.app.close()));
    await db.drop();
  });
  const start = async (agent: SteppingAgent, port?: number): Promise<A2aApp> => {
    const served = await startA2aApp({ postgres: { url: db.url, migrationsRun: true } }, agent, {
      port,
      a2a: { cancelTimeoutMs: 1000 },
    });
    apps.push(served);
    return served;
  };

  it('resumes on B a stream dropped on A: the remaining events in order, none lost or doubled', async () => {
    const pace = new ManualPace();
    const a = await start(new SteppingAgent(pace, 5));
    const b = await start(new SteppingAgent(new ManualPace(), 5));

    const before: StreamResponse[] = [];
    pace.step(2);
    for await (const response of a.client.sendMessageStream(userMessage('trip-1'))) {
      before.push(response);
      if (before.length === 3) break; // the client goes away mid-task
    }
    expect(before.map(describeEvent)).toEqual([
      'task TASK_STATE_SUBMITTED',
      'status step 1',
      'status step 2',
    ]);
    const taskId = taskIdOf(before);
    pace.step(1); // a step nobody streams
    await eventually(
      async () => (await b.bus.recent(1, { roomId: 'trip-1' }))[0]?.detail === 'step 3',
    );

    const after: StreamResponse[] = [];
    const resumed = drain(
      b.client.resubscribeTask(
        { id: taskId, tenant: '' },
        { serviceParameters: { 'Last-Event-ID': String(seqOf(before[2]!)) } },
      ),
      after,
    );
    await eventually(() => after.length === 2);
    pace.step(2);
    await resumed;
    expect(after.map(describeEvent)).toEqual([
      'task TASK_STATE_WORKING',
      'status step 3',
      'status step 4',
      'status step 5',
      'artifact report',
      'status done',
    ]);
    const seqs = [...before, ...after.slice(1)].map(seqOf);
    expect([...seqs].sort((x, y) => x - y)).toEqual(seqs);
    expect(new Set(seqs).size).toBe(seqs.length);

    // The stream on B ran ahead of A, which stores the task as its own stream consumes it.
    const onA = async () => a.client.getTask({ id: taskId, tenant: '', historyLength: undefined });
    await eventually(async () => (await onA()).status!.state === TaskState.TASK_STATE_COMPLETED);
    const onB = await b.client.getTask({ id: taskId, tenant: '', historyLength: undefined });
    expect(onB).toEqual(await onA());
    expect(TaskState[onB.status!.state]).toBe('TASK_STATE_COMPLETED');
    expect(onB.history.map((m) => String(m.parts[0]?.content?.value))).toEqual([
      'go',
      'step 1',
      'step 2',
      'step 3',
      'step 4',
      'step 5',
      'done',
    ]);
  });

  it('hands a cancel sent to B to the executor running the task on A', async () => {
    const pace = new ManualPace();
    const agentA = new SteppingAgent(pace, 5);
    const agentB = new SteppingAgent(new ManualPace(), 5);
    const a = await start(agentA);
    const b = await start(agentB);
    const streamed: StreamResponse[] = [];
    pace.step(1);
    const streaming = drain(a.client.sendMessageStream(userMessage('trip-2')), streamed);
    await eventually(() => streamed.length === 2);
    const taskId = taskIdOf(streamed);

    const canceled = await b.client.cancelTask({ id: taskId, tenant: '', metadata: undefined });
    expect(TaskState[canceled.status!.state]).toBe('TASK_STATE_CANCELED');
    expect(agentA.cancels).toEqual([taskId]);
    expect(agentB.cancels).toEqual([]);
    await streaming;
    expect(streamed.map(describeEvent)).toEqual([
      'task TASK_STATE_SUBMITTED',
      'status step 1',
      'status canceled',
    ]);
  });

  it('keeps a task, history and all, across a restart of the instance that ran it', async () => {
    const port = await freePort();
    const pace = new ManualPace();
    pace.step(5);
    const a = await start(new SteppingAgent(pace, 5), port);
    const streamed: StreamResponse[] = [];
    await drain(a.client.sendMessageStream(userMessage('trip-3')), streamed);
    const taskId = taskIdOf(streamed);
    const before = await a.client.getTask({ id: taskId, tenant: '', historyLength: undefined });

    await a.app.close();
    apps.splice(apps.indexOf(a), 1);
    const restarted = await start(new SteppingAgent(new ManualPace(), 5), port);
    expect(
      await restarted.client.getTask({ id: taskId, tenant: '', historyLength: undefined }),
    ).toEqual(before);
    const listed = await restarted.client.listTasks({
      tenant: '',
      contextId: 'trip-3',
      status: TaskState.TASK_STATE_UNSPECIFIED,
      pageToken: '',
      statusTimestampAfter: undefined,
    });
    expect(listed.tasks.map((t) => t.id)).toEqual([taskId]);
  });

  it('follows on B a task whose instance, in another process, dies; a cancel on B then ends it', async () => {
    const portA = await freePort();
    children.push(await agentProcess(db.url, portA));
    const clientA = await new ClientFactory().createFromUrl(`http://127.0.0.1:${portA}`);
    const b = await start(new SteppingAgent(new ManualPace(), 5));

    const before: StreamResponse[] = [];
    for await (const response of clientA.sendMessageStream(userMessage('trip-4'))) {
      before.push(response);
      if (before.length === 2) break;
    }
    const taskId = taskIdOf(before);
    await kill(children[0]!);

    const after: StreamResponse[] = [];
    const following = drain(
      b.client.resubscribeTask(
        { id: taskId, tenant: '' },
        { serviceParameters: { 'Last-Event-ID': String(seqOf(before[1]!)) } },
      ),
      after,
    );
    await eventually(() => after.length >= 1);
    const canceled = await b.client.cancelTask({ id: taskId, tenant: '', metadata: undefined });
    expect(TaskState[canceled.status!.state]).toBe('TASK_STATE_CANCELED');
    await following;

    // Whatever steps the agent took before it died, from step 2 on, each once, then the cancel.
    const described = after.map(describeEvent);
    const steps = described.slice(1, -1);
    expect(steps).toEqual(steps.map((_, i) => `status step ${i + 2}`));
    expect(described.at(-1)).toBe('status TASK_STATE_CANCELED');

    children.push(await agentProcess(db.url, portA));
    const again = await new ClientFactory().createFromUrl(`http://127.0.0.1:${portA}`);
    expect(await again.getTask({ id: taskId, tenant: '', historyLength: undefined })).toEqual(
      await b.client.getTask({ id: taskId, tenant: '', historyLength: undefined }),
    );
  });
});
