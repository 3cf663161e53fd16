import { eventually } from '../support/bus-app';
import { InstanceProcess } from '../support/instance-processes';
import { sharedDatabase } from '../support/shared-database';
import { RecordingVoiceChannel } from '../support/recording-voice-channel';

/** Grace short enough to keep the tests quick, long enough for the other instance to act. */
const GRACE_MS = 300;

describe('voice receipts with several instances', () => {
  const shared = sharedDatabase('voice_receipts');

  /** An instance whose voice channel has `sessions` in the room `default`. */
  const instance = (sessions: string[]) => {
    const channel = new RecordingVoiceChannel({ default: sessions });
    return shared
      .start({ voice: { channel, noSessionGraceMs: GRACE_MS } })
      .then((app) => Object.assign(app, { channel }));
  };

  /**
   * The receipts stored for the entry at `seq`, as `outcome@session`, sorted: once `expected`
   * of them are stored, and after time enough for any other instance to add one more.
   */
  async function receiptsFor(seq: number, expected: number): Promise<string[]> {
    const read = async () =>
      (
        await shared.db.query<{ outcome: string; session: string | null }>(
          `SELECT metadata->>'outcome' AS outcome, metadata->>'session_id' AS session
             FROM status_bus_entries
            WHERE action = 'voice_delivery' AND (metadata->>'receipt_for')::bigint = $1`,
          [seq],
        )
      )
        .map((r) => `${r.outcome}@${r.session ?? 'room'}`)
        .sort();
    await eventually(async () => (await read()).length >= expected, 15_000);
    await new Promise((r) => setTimeout(r, GRACE_MS + 500));
    return read();
  }

  it('receipts the session of one instance as injected, and nothing for the instance without one', async () => {
    const a = await instance(['a1']);
    const b = await instance([]);
    const entry = await b.bus.postAsync('exec', 'search', 'info', { detail: 'Found 7' });
    expect(await receiptsFor(entry.seq!, 1)).toEqual(['injected@a1']);
    expect(a.channel.texts('a1')).toEqual(['[Agent update] search: Found 7']);
  });

  it('receipts each session of each instance once', async () => {
    const a = await instance(['a1']);
    await instance(['b1', 'b2']);
    const entry = await a.bus.postAsync('exec', 'search', 'info');
    expect(await receiptsFor(entry.seq!, 3)).toEqual(['injected@a1', 'injected@b1', 'injected@b2']);
  });

  it('receipts "no voice session" once when no instance has a session in the room', async () => {
    const a = await instance([]);
    await instance([]);
    await instance([]);
    const entry = await a.bus.postAsync('exec', 'search', 'info');
    expect(await receiptsFor(entry.seq!, 1)).toEqual(['dropped@room']);
    const [detail] = await shared.db.query<{ detail: string }>(
      `SELECT detail FROM status_bus_entries WHERE metadata->>'outcome' = 'dropped'`,
    );
    expect(detail!.detail).toMatch(/^dropped: search/);
  });

  it('lets go of the sessions of an instance that closed, and of those whose lease ran out', async () => {
    const a = await instance(['a1']);
    const b = await instance([]);
    await b.bus.postAsync('exec', 'first', 'info');
    await shared.stop(a);
    // An instance in a process of its own, holding a session, killed: it never says goodbye.
    const LEASE_MS = 1500;
    const dying = await InstanceProcess.start(shared.db.url, {
      STATUS_BUS_VOICE_SESSION: 'ghost',
      STATUS_BUS_VOICE_LEASE_MS: String(LEASE_MS),
    });
    const held = await b.bus.postAsync('exec', 'held', 'info');
    expect(await receiptsFor(held.seq!, 1)).toEqual(['injected@ghost']);
    await dying.kill('SIGKILL');
    const [lease] = await shared.db.query<{ left: number }>(
      `SELECT (extract(epoch FROM expires_at - now()) * 1000)::float8 AS left
         FROM status_bus_voice_sessions WHERE session_id = 'ghost'`,
    );
    // Its lease still runs: the session is let go only once the lease has run out.
    expect(lease!.left).toBeGreaterThan(0);
    await new Promise((r) => setTimeout(r, lease!.left + 100));
    const entry = await b.bus.postAsync('exec', 'second', 'info');
    expect(await receiptsFor(entry.seq!, 1)).toEqual(['dropped@room']);
  });
});
