import { createTestDatabase, TestDatabase } from '../support/test-database';
import { InstanceProcess } from '../support/instance-processes';
import { eventually } from '../support/bus-app';

interface Report {
  subscribed: number[];
  events: number[];
}

describe('several application instances on one database', () => {
  let db: TestDatabase;
  let instances: InstanceProcess[] = [];

  beforeAll(async () => {
    db = await createTestDatabase('multi');
  });
  afterAll(async () => {
    await Promise.all(instances.map((i) => i.close().catch(() => i.kill())));
    await db.drop();
  });

  it('deliver every entry to every subscriber on every instance exactly once, in one order, through LISTEN connections killed mid-run', async () => {
    instances = await Promise.all([0, 1, 2].map(() => InstanceProcess.start(db.url)));
    const perInstance = 600;
    const posting = instances.map((instance, i) =>
      instance.request<{ acknowledged: string[] }>(
        { type: 'post', count: perInstance, prefix: `i${i}`, paceMs: 3 },
        'posted',
      ),
    );
    // Cut every instance's listening connection while they post.
    await eventually(
      async () =>
        (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM status_bus_entries'))[0]!.n >
        200,
    );
    const listeners = async () =>
      (
        await db.query<{ pid: number }>(
          `SELECT pid FROM pg_stat_activity
            WHERE application_name = 'nest-status-bus-listener' AND datname = $1`,
          [db.name],
        )
      ).map((r) => r.pid);
    const killed = await listeners();
    expect(killed).toHaveLength(3);
    await db.query('SELECT pg_terminate_backend(pid) FROM unnest($1::int[]) AS pid', [killed]);
    const storedAtKill = (
      await db.query<{ n: number }>('SELECT count(*)::int AS n FROM status_bus_entries')
    )[0]!.n;
    expect(storedAtKill).toBeLessThan(3 * perInstance);
    const acknowledged = (await Promise.all(posting)).flatMap((p) => p.acknowledged);

    const rows = await db.query<{ seq: string; action: string }>(
      'SELECT seq, action FROM status_bus_entries ORDER BY seq',
    );
    const seqs = rows.map((r) => Number(r.seq));
    expect(rows.map((r) => r.action).sort()).toEqual([...acknowledged].sort());
    expect(rows).toHaveLength(3 * perInstance);

    let reports: Report[] = [];
    await eventually(async () => {
      reports = await Promise.all(
        instances.map((i) => i.request<Report>({ type: 'report' }, 'report')),
      );
      // Each instance listens again, on a new connection.
      const now = await listeners();
      return (
        now.length === 3 &&
        now.every((pid) => !killed.includes(pid)) &&
        reports.every((r) => r.subscribed.length >= seqs.length && r.events.length >= seqs.length)
      );
    }, 20_000);
    for (const report of reports) {
      expect(report.subscribed).toEqual(seqs);
      expect(report.events).toEqual(seqs);
    }
  });
});
