import { Test } from '@nestjs/testing';
import {
  createReadProgressTool,
  ManualClock,
  StatusBusService,
  StatusBusTestingModule,
} from '../src';
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
      parameters: { type: 'object', properties: { room_id: { type: 'string' } } },
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
});
