import { StatusEntry } from '../entry/status-entry';
import { AgentSnapshotReadModel } from './agent-snapshot.read-model';

const at = (seq: number, roomId: string, agentId = 'exec', detail = '') =>
  StatusEntry.create(agentId, `step ${seq}`, 'ok', { roomId, detail }).withSeq(seq);

describe('AgentSnapshotReadModel', () => {
  it('keeps at most maxRooms rooms, forgetting the one idle longest', () => {
    const model = new AgentSnapshotReadModel(10);
    for (let i = 0; i < 15_000; i++) model.record(at(i + 1, `call-${i}`, 'exec', 'x'.repeat(100)));
    expect(model.size).toBe(10);
    expect(model.snapshot().map((s) => s.roomId)).toEqual(
      Array.from({ length: 10 }, (_, i) => `call-${14_990 + i}`).sort(),
    );
    expect(model.needsRebuild('call-0')).toBe(true);
    // Once rooms have been forgotten, a room first seen since may be one of them: read once.
    expect(model.needsRebuild('call-14999')).toBe(true);
    model.rebuild('call-14999', [at(15_000, 'call-14999')]);
    expect(model.needsRebuild('call-14999')).toBe(false);
  });

  it('asks for a rebuild of a room seen again after it was forgotten, and is whole after it', () => {
    const model = new AgentSnapshotReadModel(2);
    model.record(at(1, 'a', 'exec'));
    model.record(at(2, 'a', 'voice'));
    model.record(at(3, 'b'));
    model.record(at(4, 'c')); // forgets a
    model.record(at(5, 'a', 'exec')); // a again, but voice is not known any more
    expect(model.needsRebuild('a')).toBe(true);
    model.rebuild('a', [at(2, 'a', 'voice'), at(5, 'a', 'exec')]);
    expect(model.needsRebuild('a')).toBe(false);
    expect(model.snapshot('a').map((s) => [s.agentId, s.seq])).toEqual([
      ['exec', 5],
      ['voice', 2],
    ]);
  });

  it('keeps no metadata, and hands out copies', () => {
    const model = new AgentSnapshotReadModel(2);
    model.record(
      StatusEntry.create('exec', 'a', 'ok', { metadata: { big: 'y'.repeat(1000) } }).withSeq(1),
    );
    const [first] = model.snapshot();
    expect(first).not.toHaveProperty('metadata');
    (first as { action: string }).action = 'changed';
    expect(model.snapshot()[0]!.action).toBe('a');
  });
});
