import { StreamResponse, TaskState } from '@a2a-js/sdk';
import { A2A_SEQ_KEY } from '../../src/a2a';
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
});
