import { eventually, record } from '../support/bus-app';
import { sharedDatabase } from '../support/shared-database';

describe('one order, one truth', () => {
  const shared = sharedDatabase('order');
  const actionsInTable = async (): Promise<string[]> =>
    (
      await shared.db.query<{ action: string }>(
        'SELECT action FROM status_bus_entries ORDER BY seq',
      )
    ).map((r) => r.action);

  describe('post order', () => {
    it('stores and delivers posts of one tick in post order when they span pipelined appends', async () => {
      const { bus } = await shared.start({ maxBatchSize: 5 });
      const seen = await record(bus);
      const posted = Array.from({ length: 10 }, (_, i) => bus.post('exec', `p${i}`, 'ok').action);
      await bus.flush();
      expect(await actionsInTable()).toEqual(posted);
      expect(seen.map((e) => e.action)).toEqual(posted);
    });

    it('keeps post order for 5,000 posts of one tick at the default batch size', async () => {
      const { bus } = await shared.start();
      const seen = await record(bus);
      const posted = Array.from({ length: 5000 }, (_, i) => bus.post('exec', `p${i}`, 'ok').action);
      await bus.flush();
      expect(await actionsInTable()).toEqual(posted);
      expect(seen.map((e) => e.action)).toEqual(posted);
    });

    it('keeps post order for posts made while the database refuses connections', async () => {
      const { bus } = await shared.start();
      const seen = await record(bus);
      await bus.postAsync('exec', 'before', 'ok');
      const allow = await shared.db.refuseConnections();
      const posted = Array.from({ length: 5000 }, (_, i) => bus.post('exec', `p${i}`, 'ok').action);
      // The writer has met the refusal, and retries.
      await eventually(() => bus.stats().failedAppends > 0);
      await allow();
      await bus.flush();
      expect(await actionsInTable()).toEqual(['before', ...posted]);
      expect(seen.map((e) => e.action)).toEqual(['before', ...posted]);
    });
  });

  describe('buses that share a database', () => {
    /** A bus whose connections resolve names in `schema` first. */
    async function tenant(schema: string) {
      await shared.db.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
      const url = `${shared.db.url}?options=${encodeURIComponent(`-c search_path=${schema}`)}`;
      const { bus } = await shared.start({ postgres: { url, migrationsRun: true } });
      return { bus, seen: await record(bus) };
    }

    it('never deliver entries of a bus in another schema, and lose none of their own', async () => {
      const a = await tenant('tenant_a');
      const b = await tenant('tenant_b');
      for (let i = 0; i < 5; i++) await a.bus.postAsync('exec', `a${i}`, 'ok');
      for (let i = 0; i < 3; i++) await b.bus.postAsync('exec', `b${i}`, 'ok');
      await a.bus.flush();
      await b.bus.flush();
      // A third instance of tenant A hears A's entries and none of B's.
      const a2 = await tenant('tenant_a');
      await a.bus.postAsync('exec', 'a5', 'ok');
      await eventually(() => a2.seen.length === 1);
      // A mark on B, seen by B, then one on A: were A's instances reading B's log, the mark
      // on B would reach a2 before the one on A.
      await b.bus.postAsync('exec', 'b mark', 'ok');
      await eventually(() => b.seen.length === 4);
      await a.bus.postAsync('exec', 'a mark', 'ok');
      await eventually(() => a2.seen.length === 2);

      expect(a.seen.map((e) => e.action)).toEqual(['a0', 'a1', 'a2', 'a3', 'a4', 'a5', 'a mark']);
      expect(b.seen.map((e) => e.action)).toEqual(['b0', 'b1', 'b2', 'b mark']);
      expect(a2.seen.map((e) => e.action)).toEqual(['a5', 'a mark']);
      const inB = await shared.db.query<{ action: string }>(
        'SELECT action FROM tenant_b.status_bus_entries ORDER BY seq',
      );
      expect(inB.map((r) => r.action)).toEqual(['b0', 'b1', 'b2', 'b mark']);
    });

    it('notify on a channel of their own: derived from the schema, or set by postgres.channel', async () => {
      await tenant('tenant_c');
      const { bus } = await shared.start({
        postgres: { url: shared.db.url, migrationsRun: true, channel: 'ops_bus' },
      });
      await bus.postAsync('exec', 'x', 'ok');
      const listening = await shared.db.query<{ channel: string }>(
        // pg_listening_channels() is per session: ask the listeners' own sessions instead.
        `SELECT query AS channel FROM pg_stat_activity
          WHERE application_name = 'nest-status-bus-listener' AND query LIKE 'LISTEN%'
            AND datname = current_database()`,
      );
      expect(listening.map((r) => r.channel).sort()).toEqual([
        'LISTEN "ops_bus"',
        'LISTEN "status_bus.tenant_c"',
      ]);
    });

    it('refuses a channel name PostgreSQL would not take, without starting', async () => {
      await expect(
        shared.start({ postgres: { url: shared.db.url, channel: 'x'.repeat(64) } }),
      ).rejects.toThrow(/postgres\.channel must be a non-empty name of at most 63 bytes/);
    });
  });

  describe('notifications are hints, the table is the log', () => {
    /** Sends `payload` on the bus's channel from a connection of its own, as anyone could. */
    const forge = (payload: string) =>
      shared.db.query(`SELECT pg_notify('status_bus', $1)`, [payload]);

    const row = (seq: number, fields: Record<string, unknown> = {}) => ({
      seq,
      entry_id: '0190f3a0-0000-7000-8000-000000000001',
      ts: '2026-11-27T10:00:00.000000+00:00',
      agent_id: 'system',
      action: 'task_completed',
      status: 'completed',
      detail: 'forged',
      metadata: {},
      room_id: 'default',
      ...fields,
    });

    it('never jumps past real entries on a position ahead of the table', async () => {
      const a = await shared.start({ postgres: { pollIntervalMs: 60_000 } });
      const b = await shared.start({ postgres: { pollIntervalMs: 60_000 } });
      const seenOnB = await record(b.bus);
      await a.bus.postAsync('exec', 'first', 'ok');
      await eventually(() => seenOnB.length === 1);

      await forge(JSON.stringify([row(1_000_000)]));
      await forge('2000000');
      const posted: string[] = [];
      for (let i = 0; i < 5; i++)
        posted.push((await a.bus.postAsync('exec', `real${i}`, 'ok')).action);
      await eventually(() => seenOnB.length === 6);

      expect(seenOnB.map((e) => e.action)).toEqual(['first', ...posted]);
      const head = (
        await shared.db.query<{ seq: string }>('SELECT max(seq) AS seq FROM status_bus_entries')
      )[0]!;
      expect(b.bus.stats().deliveredSeq).toBe(Number(head.seq));
      // postAsync on B itself still resolves, and B's own entry is delivered on B.
      await b.bus.postAsync('exec', 'on b', 'ok');
      expect(seenOnB.map((e) => e.action).slice(-1)).toEqual(['on b']);
    });

    it('never delivers a notified entry that the table does not hold, even at the next position', async () => {
      const a = await shared.start({ postgres: { pollIntervalMs: 60_000 } });
      const b = await shared.start({ postgres: { pollIntervalMs: 60_000 } });
      const seenOnB = await record(b.bus);
      await a.bus.postAsync('exec', 'first', 'ok');
      await eventually(() => seenOnB.length === 1);

      // A valid-looking entry at the very next position, and one whose fields have wrong types.
      await forge(JSON.stringify([row(2)]));
      await forge(JSON.stringify([row(2, { agent_id: 42, metadata: 'x' })]));
      const real = await a.bus.postAsync('exec', 'second', 'ok');
      // Delivery is in order: a forgery delivered at any position would come before this.
      const third = await a.bus.postAsync('exec', 'third', 'ok');
      await eventually(() => seenOnB.some((e) => e.seq === third.seq));

      expect(seenOnB.map((e) => e.toJSON())).toEqual([
        expect.objectContaining({ action: 'first' }),
        real.toJSON(),
        third.toJSON(),
      ]);
      expect(seenOnB.some((e) => e.detail === 'forged')).toBe(false);
      const snapshot = await b.bus.snapshot();
      expect(snapshot.map((s) => s.action)).toEqual(['third']);
    });
  });
});
