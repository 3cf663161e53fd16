import { Client } from 'pg';
import { eventually } from '../support/bus-app';
import { InstanceProcess } from '../support/instance-processes';
import { RestartablePostgres } from '../support/postgres-server';

interface Report {
  subscribed: number[];
  events: number[];
}

async function storedActions(url: string): Promise<{ seqs: number[]; actions: string[] }> {
  const client = new Client({ connectionString: url });
  await client.connect();
  const { rows } = await client.query<{ seq: string; action: string }>(
    'SELECT seq, action FROM status_bus_entries ORDER BY seq',
  );
  await client.end();
  return { seqs: rows.map((r) => Number(r.seq)), actions: rows.map((r) => r.action) };
}

describe('PostgreSQL restarted under load', () => {
  let server: RestartablePostgres;
  let instances: InstanceProcess[] = [];

  beforeAll(async () => {
    server = await RestartablePostgres.create();
  }, 60_000);
  afterAll(async () => {
    await Promise.all(instances.map((i) => i.close().catch(() => i.kill())));
    await server.stop();
  });

  it('loses nothing acknowledged, and every subscriber on every instance sees each entry once, in one order', async () => {
    instances = await Promise.all([0, 1, 2].map(() => InstanceProcess.start(server.url)));
    const acknowledged: string[] = [];
    instances.forEach((i) => i.onAck((action) => acknowledged.push(action)));
    const posting = instances.map((instance, i) =>
      instance.request<{ acknowledged: string[]; failed: string[] }>(
        { type: 'post', count: 600, prefix: `i${i}`, paceMs: 4 },
        'posted',
      ),
    );
    await eventually(() => acknowledged.length > 300);
    await server.stop();
    await new Promise((r) => setTimeout(r, 1000));
    await server.start();
    const results = await Promise.all(posting);
    expect(results.flatMap((r) => r.failed)).toEqual([]);

    const { seqs, actions } = await storedActions(server.url);
    expect(new Set(actions).size).toBe(actions.length);
    expect(actions.sort()).toEqual([...acknowledged].sort());
    expect(actions).toHaveLength(1800);

    let reports: Report[] = [];
    await eventually(async () => {
      reports = await Promise.all(
        instances.map((i) => i.request<Report>({ type: 'report' }, 'report')),
      );
      return reports.every(
        (r) => r.subscribed.length >= seqs.length && r.events.length >= seqs.length,
      );
    }, 30_000);
    for (const report of reports) {
      expect(report.subscribed).toEqual(seqs);
      expect(report.events).toEqual(seqs);
    }
  }, 120_000);
});
