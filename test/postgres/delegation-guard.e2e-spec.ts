import { DelegationGuardService } from '../../src';
import { eventually } from '../support/bus-app';
import { sharedDatabase } from '../support/shared-database';

describe('the delegation guard on a shared database', () => {
  const shared = sharedDatabase('guard');
  const start = async () => {
    const ctx = await shared.start({ delegation: { windowMs: 60_000 } });
    return Object.assign(ctx, { guard: ctx.app.get(DelegationGuardService) });
  };

  it('sees a completion posted on another instance', async () => {
    const a = await start();
    const b = await start();
    expect((await b.guard.check()).allowed).toBe(true);
    const completed = await a.bus.postAsync('exec', 'task', 'completed');
    await eventually(async () => !(await b.guard.check()).allowed);
    const decision = await b.guard.check();
    expect(decision.lastCompleted?.seq).toBe(completed.seq);
  });

  it('remembers a completion across a restart, rebuilt from the store', async () => {
    const first = await start();
    const completed = await first.bus.postAsync('exec', 'task', 'completed');
    await shared.stop(first);
    const second = await start();
    const decision = await second.guard.check();
    expect(decision.allowed).toBe(false);
    expect(decision.lastCompleted?.id).toBe(completed.id);
  });
});
