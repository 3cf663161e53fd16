import { Test } from '@nestjs/testing';
import { RealtimeAgent, RealtimeSession, tool } from '@openai/agents-realtime';
import { ScriptedRealtimeTransport } from '@openai/agents-realtime/testing';
import { createReadProgressTool, StatusBusService, StatusStoreUnavailableError } from '../src';
import { ManualClock, StatusBusTestingModule } from '../src/testing';
import { eventually } from './support/bus-app';
import { sharedDatabase } from './support/shared-database';

async function testingApp() {
  const moduleRef = await Test.createTestingModule({
    imports: [StatusBusTestingModule.forRoot()],
  }).compile();
  const app = await moduleRef.createNestApplication({ logger: false }).init();
  return { app, bus: app.get(StatusBusService), clock: app.get(ManualClock) };
}

describe('what every agent is doing now', () => {
  it('snapshot gives each agent’s latest entry, per room', async () => {
    const { app, bus } = await testingApp();
    bus.post('exec', 'search', 'pending', { roomId: 'r1' });
    bus.post('exec', 'click', 'ok', { roomId: 'r1', detail: 'Clicked' });
    bus.post('voice', 'listen', 'info', { roomId: 'r1' });
    bus.post('exec', 'other room', 'failed', { roomId: 'r2' });
    await bus.flush();
    const r1 = await bus.snapshot({ roomId: 'r1' });
    expect(r1.map((a) => [a.agentId, a.action, a.status, a.detail])).toEqual([
      ['exec', 'click', 'ok', 'Clicked'],
      ['voice', 'listen', 'info', ''],
    ]);
    expect((await bus.snapshot()).map((a) => `${a.roomId}/${a.agentId}`)).toEqual([
      'r1/exec',
      'r1/voice',
      'r2/exec',
    ]);
    await app.close();
  });

  it('ships a read_progress tool that reports in short spoken sentences, then recent activity', async () => {
    const { app, bus, clock } = await testingApp();
    bus.post('exec', 'click_result', 'ok', { detail: 'Clicked the RoomKit link' });
    clock.advance(3000);
    bus.post('system', 'task_completed', 'completed');
    await bus.flush();
    clock.advance(2000);
    const tool = createReadProgressTool(bus, clock.now);
    expect(tool.definition).toMatchObject({
      name: 'read_progress',
      parameters: { type: 'object', properties: { room_id: { type: ['string', 'null'] } } },
    });
    const report = await tool.handler({});
    const [now, heading, ...recent] = report.split('\n');
    expect(now).toBe(
      'exec: click_result, ok, 5 seconds ago (Clicked the RoomKit link). system: task_completed, completed, 2 seconds ago.',
    );
    expect(heading).toBe('Recent activity:');
    expect(recent).toHaveLength(2);
    expect(await createReadProgressTool(bus).handler({ room_id: 'empty-room' })).toBe(
      'No agent has reported anything yet.',
    );
    await app.close();
  });
});

describe('read_progress on an @openai/agents-realtime session', () => {
  it('is a tool of the agent, called by the model, answered with the report', async () => {
    const { app, bus, clock } = await testingApp();
    bus.post('exec', 'click_result', 'ok', { roomId: 'call-1', detail: 'Clicked' });
    bus.post('exec', 'elsewhere', 'failed', { roomId: 'call-2' });
    await bus.flush();
    clock.advance(3000);
    // As the documentation wires it: the definition as is, the handler as `execute`.
    const progress = createReadProgressTool(bus, clock.now);
    const readProgress = tool({
      ...progress.definition,
      execute: (args) => progress.handler(args),
    });
    const agent = new RealtimeAgent({ name: 'voice', instructions: 'Help', tools: [readProgress] });
    const transport = new ScriptedRealtimeTransport();
    const session = new RealtimeSession(agent, { transport });
    await session.connect({ apiKey: 'test' });
    // The model calls the tool, for one room, as strict mode has it send every argument.
    transport.emit('function_call', {
      type: 'function_call',
      name: 'read_progress',
      callId: 'call_1',
      arguments: JSON.stringify({ room_id: 'call-1' }),
      responseId: 'resp_1',
    });
    await eventually(() => transport.calls.some((c) => c.method === 'sendFunctionCallOutput'));
    const { output, toolCall } = transport.calls.find(
      (c) => c.method === 'sendFunctionCallOutput',
    ) as unknown as { output: string; toolCall: { callId: string } };
    expect(toolCall.callId).toBe('call_1');
    expect(output).toMatch(
      /^exec: click_result, ok, 3 seconds ago \(Clicked\)\.\nRecent activity:\n/,
    );
    expect(output).not.toContain('elsewhere');
    session.close();
    await app.close();
  });

  it('reports on every room when the model passes null, as strict mode sends a left-out one', async () => {
    const { app, bus } = await testingApp();
    bus.post('exec', 'one', 'ok', { roomId: 'a' });
    bus.post('exec', 'two', 'ok', { roomId: 'b' });
    await bus.flush();
    const progress = createReadProgressTool(bus);
    expect(progress.definition.parameters.required).toEqual(['room_id']);
    const report = await progress.handler({ room_id: null });
    expect(report).toContain('exec: one');
    expect(report).toContain('exec: two');
    await app.close();
  });
});

describe('the snapshot on a shared database', () => {
  const shared = sharedDatabase('snapshot');
  const start = () => shared.start();

  it('agrees across instances and is rebuilt after a restart', async () => {
    const a = await start();
    const b = await start();
    await a.bus.postAsync('exec', 'click', 'ok');
    await eventually(async () => (await b.bus.snapshot()).length === 1);
    expect((await b.bus.snapshot())[0]).toMatchObject({ agentId: 'exec', action: 'click' });
    await shared.stop(a);
    await shared.stop(b);
    const restarted = await start();
    expect((await restarted.bus.snapshot()).map((s) => s.action)).toEqual(['click']);
  });

  it('answers a room quiet since long before an instance started, and fails rather than answer [] when the store cannot', async () => {
    const a = await start();
    await a.bus.postAsync('voice', 'greet', 'ok', { roomId: 'quiet' });
    await a.bus.postAsync('exec', 'search', 'info', { roomId: 'quiet' });
    for (let i = 0; i < 10_050; i++)
      a.bus.post('exec', `busy-${i}`, 'info', { roomId: `busy-${i % 50}` });
    // An agent of a busy room quiet since: the room is in the window, that agent is not.
    await a.bus.postAsync('planner', 'plan', 'pending', { roomId: 'busy-0' });
    for (let i = 0; i < 10_050; i++)
      a.bus.post('exec', `more-${i}`, 'info', { roomId: `busy-${i % 50}` });
    await a.bus.flush();
    const b = await start();
    expect((await b.bus.snapshot({ roomId: 'quiet' })).map((x) => [x.agentId, x.action])).toEqual([
      ['exec', 'search'],
      ['voice', 'greet'],
    ]);
    expect((await b.bus.snapshot({ roomId: 'busy-0' })).map((x) => x.agentId)).toEqual([
      'exec',
      'planner',
    ]);
    // Through the feed, the room stays current on B.
    await a.bus.postAsync('voice', 'bye', 'ok', { roomId: 'quiet' });
    await eventually(async () =>
      (await b.bus.snapshot({ roomId: 'quiet' })).some((x) => x.action === 'bye'),
    );
    // A room never seen, while the store is down: an error, never an empty board.
    const letIn = await shared.db.refuseConnections();
    try {
      await expect(b.bus.snapshot({ roomId: 'never-seen' })).rejects.toThrow(
        StatusStoreUnavailableError,
      );
    } finally {
      await letIn();
    }
    expect(await b.bus.snapshot({ roomId: 'never-seen' })).toEqual([]);
  }, 60_000);
});
