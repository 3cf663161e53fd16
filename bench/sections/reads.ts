import { Client } from 'pg';
import { createTestDatabase } from '../../test/support/test-database';
import { startBus } from '../bus-app';
import { latencies, now, progress, Row, Section } from '../measure';

export async function reads(quick: boolean): Promise<Section> {
  const rows = quick ? 200_000 : 1_000_000;
  const samples = quick ? 500 : 2000;
  const db = await createTestDatabase('bench_reads');
  const { app, bus } = await startBus({
    postgres: { url: db.url, migrationsRun: true, pollIntervalMs: 60_000 },
  });
  const client = new Client({ connectionString: db.url });
  await client.connect();
  try {
    progress(`loading ${rows} rows`);
    await client.query(`SELECT status_bus_entries_add(${rows}, 1)`);
    await client.query(`
      INSERT INTO status_bus_entries (entry_id, ts, agent_id, action, status, detail, metadata)
      SELECT gen_random_uuid(), now(), 'agent' || (i % 50), 'step_' || (i % 100),
             (ARRAY['ok','failed','pending','info','completed'])[1 + i % 5], 'detail ' || i, jsonb_build_object('i', i)
        FROM generate_series(1, ${rows}) AS i`);
    // Vacuumed now, so that autovacuum does not wake up on the fresh million rows mid-measurement.
    await client.query('VACUUM ANALYZE status_bus_entries');
    const raw = `SELECT * FROM (SELECT seq, entry_id, ts, agent_id, action, status, detail, metadata
                   FROM status_bus_entries WHERE agent_id = $1 AND status = $2 ORDER BY seq DESC LIMIT 10) r ORDER BY seq`;
    const status = (i: number) =>
      (['ok', 'failed', 'pending', 'info', 'completed'] as const)[i % 5]!;
    const viaSql = (i: number) => client.query(raw, [`agent${i % 50}`, status(i)]);
    const viaBus = (i: number) => bus.recent(10, { agentId: `agent${i % 50}`, status: status(i) });
    progress(`recent(10, { agentId, status }) × ${samples}, and the same query in raw SQL`);
    // Warm both paths, then take the samples in turns, each going first every other time, so
    // that both see the same moments of a noisy machine.
    for (let i = 0; i < 200; i++) await Promise.all([viaSql(i), viaBus(i)]);
    const timed = async (query: (i: number) => Promise<unknown>, i: number, into: number[]) => {
      const t = now();
      await query(i);
      into.push(now() - t);
    };
    const sqlSamples: number[] = [];
    const busSamples: number[] = [];
    for (let i = 0; i < samples; i++) {
      const pair: [(i: number) => Promise<unknown>, number[]][] = [
        [viaSql, sqlSamples],
        [viaBus, busSamples],
      ];
      if (i % 2) pair.reverse();
      for (const [query, into] of pair) await timed(query, i, into);
    }
    const sqlLatency = latencies(sqlSamples);
    const busLatency = latencies(busSamples);
    const result: Row[] = [
      {
        name: `recent(10, filters) p50 at ${rows.toLocaleString('en-US')} rows`,
        value: busLatency.p50,
        unit: 'ms',
        baseline: { name: 'raw SQL p50', value: sqlLatency.p50 },
      },
      {
        name: `recent(10, filters) p99 at ${rows.toLocaleString('en-US')} rows`,
        value: busLatency.p99,
        unit: 'ms',
        baseline: { name: 'raw SQL p99', value: sqlLatency.p99 },
        target: { text: '≤ 1.5× raw SQL', met: (r) => r <= 1.5 },
      },
    ];
    return { title: 'Reads', rows: result };
  } finally {
    await client.end();
    await app.close();
    await db.drop();
  }
}
