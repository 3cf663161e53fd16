import { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import {
  DELEGATION_REFUSED_MESSAGE,
  DelegationGuardService,
  StatusBusModuleOptions,
  StatusBusService,
} from '../../src';
import { ManualClock, StatusBusTestingModule } from '../../src/testing';

/** The guard on the testing module's manual clock: entry timestamps and "now" move by hand. */
async function guardApp(options: Omit<StatusBusModuleOptions, 'clock'> = {}) {
  const moduleRef = await Test.createTestingModule({
    imports: [StatusBusTestingModule.forRoot(options)],
  }).compile();
  const app: INestApplication = await moduleRef.createNestApplication({ logger: false }).init();
  return {
    app,
    bus: app.get(StatusBusService),
    guard: app.get(DelegationGuardService),
    clock: app.get(ManualClock),
  };
}

describe('DelegationGuardService', () => {
  it('allows a delegation when nothing has completed', async () => {
    const { app, guard } = await guardApp();
    expect(await guard.check()).toEqual({
      allowed: true,
      lastCompleted: undefined,
      ageMs: undefined,
    });
    await app.close();
  });

  it('refuses inside the window with the reference message, and posts that it skipped', async () => {
    const { app, bus, guard, clock } = await guardApp();
    const completed = await bus.postAsync('system', 'task_completed', 'completed', {
      detail: 'Done',
    });
    clock.advance(1200);
    const decision = await guard.check();
    expect(decision).toEqual({
      allowed: false,
      message: DELEGATION_REFUSED_MESSAGE,
      lastCompleted: completed,
      ageMs: 1200,
    });
    expect(DELEGATION_REFUSED_MESSAGE).toBe(
      'Task already completed. Ask the user if they need something different.',
    );
    await bus.flush();
    const [skipped] = await bus.recent(1);
    expect(skipped).toMatchObject({ agentId: 'voice', action: 'delegate_task', status: 'info' });
    expect(skipped!.metadata).toMatchObject({ completed_seq: completed.seq, age_ms: 1200 });
    await app.close();
  });

  it('allows once the window has passed (5 s by default), or a shorter one asked for', async () => {
    const { app, bus, guard, clock } = await guardApp();
    const completed = await bus.postAsync('system', 'task_completed', 'completed');
    clock.advance(4999);
    expect((await guard.check()).allowed).toBe(false);
    expect((await guard.check({ windowMs: 1000 })).allowed).toBe(true);
    clock.advance(1);
    expect(await guard.check()).toEqual({ allowed: true, lastCompleted: completed, ageMs: 5000 });
    await app.close();
  });

  it('scopes the question to a room and an agent', async () => {
    const { app, bus, guard, clock } = await guardApp({ delegation: { postSkipped: false } });
    await bus.postAsync('exec', 'task', 'completed', { metadata: { room_id: 'room-a' } });
    clock.advance(100);
    expect((await guard.check({ roomId: 'room-a' })).allowed).toBe(false);
    expect((await guard.check({ roomId: 'room-b' })).allowed).toBe(true);
    expect((await guard.check({ agentId: 'exec' })).allowed).toBe(false);
    expect((await guard.check({ agentId: 'system' })).allowed).toBe(true);
    expect((await guard.check({ roomId: 'room-a', agentId: 'exec' })).allowed).toBe(false);
    // With postSkipped off, refusals leave no entry behind.
    expect((await bus.recent(10)).map((e) => e.action)).toEqual(['task']);
    await app.close();
  });

  it('rejects a nonsense window', async () => {
    const { app, guard } = await guardApp();
    await expect(guard.check({ windowMs: -1 })).rejects.toThrow(/windowMs must be a number/);
    await app.close();
  });
});
