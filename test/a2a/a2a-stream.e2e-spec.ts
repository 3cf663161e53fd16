import { StreamResponse, TaskState } from '@a2a-js/sdk';
import { CqrsModule } from '@nestjs/cqrs';
import { A2A_SEQ_KEY, StatusBusA2aModule } from '../../src/a2a';
import { eventually } from '../support/bus-app';
import { RecordingVoiceChannel } from '../support/recording-voice-channel';
import { A2aApp, startA2aApp } from './a2a-app';
import { describeEvent, seqOf, userMessage } from './a2a-events';
import { ManualPace, SteppingAgent } from './stepping-agent';

describe('A2A on the in-memory bus', () => {
  let served: A2aApp | undefined;
  afterEach(async () => {
    await served?.app.close();
    served = undefined;
  });

  it('streams a task through the SDK client, each event stored as an entry of the task’s room', async () => {
    const pace = new ManualPace();
    pace.step(3);
    served = await startA2aApp({}, new SteppingAgent(pace, 3));
    const seen: StreamResponse[] = [];
    for await (const response of served.client.sendMessageStream(userMessage('room-1'))) {
      seen.push(response);
    }
    expect(seen.map(describeEvent)).toEqual([
      'task TASK_STATE_SUBMITTED',
      'status step 1',
      'status step 2',
      'status step 3',
      'artifact report',
      'status done',
    ]);
    const seqs = seen.map(seqOf);
    expect([...seqs].sort((a, b) => a - b)).toEqual(seqs);
    expect(new Set(seqs).size).toBe(seqs.length);

    const taskId = (seen[0]!.payload!.value as { id: string }).id;
    const entries = await served.bus.recent(20, { roomId: 'room-1' });
    expect(entries.map((e) => [e.seq, e.agentId, e.action, e.status, e.detail])).toEqual([
      [seqs[0], 'stepping-agent', 'a2a.task', 'pending', ''],
      [seqs[1], 'stepping-agent', 'a2a.status', 'info', 'step 1'],
      [seqs[2], 'stepping-agent', 'a2a.status', 'info', 'step 2'],
      [seqs[3], 'stepping-agent', 'a2a.status', 'info', 'step 3'],
      [seqs[4], 'stepping-agent', 'a2a.artifact', 'info', 'report: all steps done'],
      [seqs[5], 'stepping-agent', 'a2a.status', 'completed', 'done'],
    ]);
    expect(entries.every((e) => e.metadata.task_id === taskId)).toBe(true);

    const task = await served.client.getTask({ id: taskId, tenant: '', historyLength: undefined });
    expect(TaskState[task.status!.state]).toBe('TASK_STATE_COMPLETED');
    expect(task.artifacts.map((a) => a.name)).toEqual(['report']);
    expect(task.metadata![A2A_SEQ_KEY]).toBe(seqs[5]);
  });

  it('shows the task on the dashboard and tells the room’s voice session how it ended', async () => {
    const channel = new RecordingVoiceChannel({ 'trip-v': ['s1'] });
    const pace = new ManualPace();
    pace.step(2);
    served = await startA2aApp(
      {
        // A2A tasks are entries of their agent: a rule says which the voice agent hears.
        voice: {
          channel,
          rules: [{ agent: 'stepping-agent', status: 'completed', policy: 'silent' }],
        },
        admin: { token: 'admin-token-for-a2a-tests' },
      },
      new SteppingAgent(pace, 2),
      { imports: [CqrsModule.forRoot()] },
    );
    for await (const response of served.client.sendMessageStream(userMessage('trip-v'))) {
      void response;
    }
    await eventually(() => channel.injections.some((i) => i.text.includes('done')));
    expect(channel.injections.every((i) => i.session === 's1')).toBe(true);

    const board = await fetch(`${served.url}/status/snapshot?room_id=trip-v`, {
      headers: { Authorization: 'Bearer admin-token-for-a2a-tests' },
    });
    expect(await board.json()).toContainEqual(
      expect.objectContaining({
        agent_id: 'stepping-agent',
        action: 'a2a.status',
        status: 'completed',
        detail: 'done',
      }),
    );
  });

  it('refuses a Last-Event-ID that is not a position, naming it', async () => {
    const pace = new ManualPace();
    served = await startA2aApp({}, new SteppingAgent(pace, 2));
    const started: StreamResponse[] = [];
    const stream = served.client.sendMessageStream(userMessage('trip-x'));
    for await (const response of stream) {
      started.push(response);
      break;
    }
    const taskId = (started[0]!.payload!.value as { id: string }).id;
    const resume = async () => {
      const options = { serviceParameters: { 'Last-Event-ID': 'yesterday' } };
      for await (const response of served!.client.resubscribeTask(
        { id: taskId, tenant: '' },
        options,
      )) {
        void response;
      }
    };
    await expect(resume()).rejects.toThrow(
      /Last-Event-ID must be a position on the bus .* got the string "yesterday"/,
    );
    pace.step(2);
  });

  it('refuses options it cannot serve, naming the option', async () => {
    const agent = new SteppingAgent(new ManualPace(), 1);
    await expect(startA2aApp({}, agent, { a2a: { path: 'a2a/' } })).rejects.toThrow(
      'StatusBusA2aModule options: path must be a path such as \'/a2a\' (starting with /, not ending with one), got the string "a2a/"',
    );
    await expect(startA2aApp({}, agent, { a2a: { cancelTimeoutMs: 0 } })).rejects.toThrow(
      'StatusBusA2aModule options: cancelTimeoutMs must be a positive integer of milliseconds, got a number (0)',
    );
    await expect(
      startA2aApp({}, agent, { a2a: { executor: { execute: () => undefined } as never } }),
    ).rejects.toThrow(/executor must be an AgentExecutor or a provider class of one/);
    expect(StatusBusA2aModule).toBeDefined();
  });
});
