import { STATUS_BACKEND, StatusBackend, StatusBusService, StatusEntry } from '../../src';
import { DelegationGuardService } from '../../src';
import { eventually } from '../support/bus-app';
import { sharedDatabase } from '../support/shared-database';

/** Counts the reads of entries `app`'s backend makes (tailing the log is reading it). */
function countReads(backend: StatusBackend): () => number {
  const readAfter = jest.spyOn(backend, 'readAfter');
  return () => readAfter.mock.calls.length;
}

describe('an instance where nothing subscribes or reads', () => {
  const shared = sharedDatabase('writeronly');

  it('does not tail the log, and starts to as soon as something subscribes, from then on', async () => {
    const writer = await shared.start();
    const other = await shared.start();
    const reads = countReads(writer.app.get<StatusBackend>(STATUS_BACKEND));
    for (let i = 0; i < 20; i++) other.bus.post('exec', `other ${i}`, 'ok');
    for (let i = 0; i < 20; i++) writer.bus.post('exec', `own ${i}`, 'ok');
    await Promise.all([other.bus.flush(), writer.bus.flush()]);
    // The other instance's appends are announced; the writer learns at most the head from them.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(reads()).toBe(0);
    expect(writer.bus.stats().catchUpReads).toBe(0);

    const seen: StatusEntry[] = [];
    await writer.bus.subscribe((e) => void seen.push(e));
    const next = await other.bus.postAsync('exec', 'after subscribing', 'ok');
    await eventually(() => seen.some((e) => e.seq === next.seq));
    expect(reads()).toBeGreaterThan(0);
    // From then on: what was stored a second before the subscription is not handed out.
    expect(seen.map((e) => e.action)).toEqual(['after subscribing']);
  });

  it('learns the head from the store, never from a notification: a forged position skips nothing', async () => {
    const writer = await shared.start();
    const other = await shared.start();
    await other.bus.postAsync('exec', 'before', 'ok');
    // Anyone who can connect may NOTIFY on the bus's channel, announcing any position.
    await shared.db.query(`SELECT pg_notify('status_bus', '1000000')`);
    await new Promise((resolve) => setTimeout(resolve, 1200));
    const seen: StatusEntry[] = [];
    await writer.bus.subscribe((e) => void seen.push(e));
    const next = await other.bus.postAsync('exec', 'after the forgery', 'ok');
    await eventually(() => seen.some((e) => e.seq === next.seq));
    expect(writer.bus.stats().deliveredSeq).toBe(next.seq);
  });

  it('stops tailing when its last subscriber leaves', async () => {
    const writer = await shared.start();
    const other = await shared.start();
    const seen: StatusEntry[] = [];
    const unsubscribe = await writer.bus.subscribe((e) => void seen.push(e));
    const first = await other.bus.postAsync('exec', 'first', 'ok');
    await eventually(() => seen.length === 1);
    expect(seen[0]!.seq).toBe(first.seq);
    await unsubscribe();
    const reads = countReads(writer.app.get<StatusBackend>(STATUS_BACKEND));
    for (let i = 0; i < 10; i++) await other.bus.postAsync('exec', `later ${i}`, 'ok');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(reads()).toBe(0);
  });

  it('hands every subscriber that joins what is posted after it, however often the instance goes idle and back', async () => {
    const writer = await shared.start();
    const other = await shared.start();
    for (let round = 0; round < 12; round++) {
      // While idle, both post: the writer passes over its own, learns the head of the others.
      const idle = Array.from({ length: round % 4 }, (_, i) =>
        (i % 2 ? writer : other).bus.postAsync('exec', `idle ${round}.${i}`, 'ok'),
      );
      await Promise.all(idle);
      if (round % 3 === 0) await new Promise((resolve) => setTimeout(resolve, 1100));
      const seen: StatusEntry[] = [];
      const unsubscribe = await writer.bus.subscribe((e) => void seen.push(e));
      const posted = [
        await other.bus.postAsync('exec', `after ${round} a`, 'ok'),
        await writer.bus.postAsync('exec', `after ${round} b`, 'ok'),
        await other.bus.postAsync('exec', `after ${round} c`, 'ok'),
      ];
      await eventually(() => posted.every((p) => seen.some((e) => e.id === p.id)));
      // In log order, once each.
      const seqs = seen.map((e) => e.seq!);
      expect(seqs).toEqual([...new Set(seqs)].sort((a, b) => a - b));
      await unsubscribe();
    }
  });

  it('builds the snapshot and the delegation guard on their first read, and tails from then on', async () => {
    const reader = await shared.start();
    const other = await shared.start();
    await other.bus.postAsync('exec', 'search', 'completed');
    await other.bus.postAsync('voice', 'listen', 'info');
    const reads = countReads(reader.app.get<StatusBackend>(STATUS_BACKEND));
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(reads()).toBe(0);

    // Built from the store, on the first question.
    const snapshot = await reader.bus.snapshot();
    expect(snapshot.map((s) => [s.agentId, s.action])).toEqual([
      ['exec', 'search'],
      ['voice', 'listen'],
    ]);
    // Kept current from then on, by following the log.
    const next = await other.bus.postAsync('exec', 'click', 'completed');
    await eventually(async () =>
      (await reader.bus.snapshot()).some((s) => s.agentId === 'exec' && s.seq === next.seq),
    );
    expect(reads()).toBeGreaterThan(0);

    const guard = reader.app.get(DelegationGuardService);
    const decision = await guard.check({ windowMs: 60_000 });
    expect(decision.lastCompleted?.seq).toBe(next.seq);
    // A subscriber on the reading instance is handed an entry after the read models have it.
    const answers: (number | undefined)[] = [];
    await reader.bus.subscribe(async (e: StatusEntry) => {
      if (e.action !== 'confirm') return;
      answers.push((await guard.check({ windowMs: 60_000 })).lastCompleted?.seq);
    });
    const after = await other.bus.postAsync('exec', 'confirm', 'completed');
    await eventually(() => answers.length === 1);
    expect(answers).toEqual([after.seq]);
    expect(reader.app.get(StatusBusService)).toBe(reader.bus);
  });
});
