import { Injectable } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { DelegationGuardService, StatusBusService } from '../src';
import { ManualClock, StatusBusTestingModule, StatusBusTestKit } from '../src/testing';

@Injectable()
class ExecAgent {
  constructor(private readonly bus: StatusBusService) {}
  run(): void {
    setTimeout(() => this.bus.post('exec', 'task_completed', 'completed', { detail: 'Done' }), 20);
  }
}

async function start() {
  const moduleRef = await Test.createTestingModule({
    imports: [StatusBusTestingModule.forRoot()],
    providers: [ExecAgent],
  }).compile();
  const app = await moduleRef.createNestApplication({ logger: false }).init();
  return {
    app,
    kit: app.get(StatusBusTestKit),
    clock: app.get(ManualClock),
    agent: app.get(ExecAgent),
  };
}

describe('StatusBusTestingModule', () => {
  it('waits for an expected entry instead of sleeping', async () => {
    const { app, kit, agent } = await start();
    agent.run();
    const done = await kit.waitFor((e) => e.status === 'completed');
    expect(done).toMatchObject({ agentId: 'exec', detail: 'Done' });
    expect(kit.entries()).toHaveLength(1);
    await app.close();
  });

  it('says what came instead when the expected entry never does', async () => {
    const { app, kit } = await start();
    kit.bus.post('voice', 'listen', 'info');
    await kit.idle();
    await expect(kit.waitFor((e) => e.status === 'failed', 50)).rejects.toThrow(
      /No matching entry was delivered within 50 ms\. Delivered: voice\/listen\/info/,
    );
    await app.close();
  });

  it('stamps entries from the manual clock', async () => {
    const { app, kit, clock } = await start();
    clock.set(Date.parse('2026-11-24T06:39:28.979Z'));
    const first = kit.bus.post('exec', 'a', 'ok');
    clock.advance(1000);
    const second = kit.bus.post('exec', 'b', 'ok');
    expect(first.ts).toBe('2026-11-24T06:39:28.979000+00:00');
    expect(second.ts).toBe('2026-11-24T06:39:29.979000+00:00');
    await kit.idle();
    expect(await kit.bus.recentText()).toBe(
      '[06:39:28] exec: a \u2192 ok\n[06:39:29] exec: b \u2192 ok',
    );
    await app.close();
  });

  it('runs the README testing snippet: after idle(), the guard refuses within the window', async () => {
    const { app, kit, agent } = await start();
    agent.run();
    await kit.waitFor((e) => e.status === 'completed');
    await kit.idle();
    kit.clock.advance(4_999);
    expect((await app.get(DelegationGuardService).check()).allowed).toBe(false);
    kit.clock.advance(1);
    expect((await app.get(DelegationGuardService).check()).allowed).toBe(true);
    await app.close();
  });
});
