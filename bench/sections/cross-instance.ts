import { Client } from 'pg';
import { createTestDatabase } from '../../test/support/test-database';
import { startBus } from '../bus-app';
import { forkBench, latencies, progress, Row, Section, sleep } from '../measure';

const epochMs = () => performance.timeOrigin + performance.now();

/** Round trip of a bare NOTIFY from one connection to a LISTENing other. */
async function notifyRoundTrips(url: string, count: number): Promise<number[]> {
  const listener = new Client({ connectionString: url });
  const sender = new Client({ connectionString: url });
  await Promise.all([listener.connect(), sender.connect()]);
  const samples: number[] = [];
  listener.on('notification', (m) => samples.push(epochMs() - Number(m.payload)));
  await listener.query('LISTEN bench');
  for (let i = 0; i < count; i++) {
    await sender.query(`SELECT pg_notify('bench', $1)`, [String(epochMs())]);
    await sleep(2);
  }
  await sleep(100);
  await Promise.all([listener.end(), sender.end()]);
  return samples;
}

/**
 * The least a durable hand-over can do, in bare SQL: insert the row and notify with it in one
 * statement (and one commit); the listening side takes the row from the payload. The bus does
 * the same, plus the lock that keeps one order, batching and delivery.
 */
async function appendNotifyRoundTrips(
  url: string,
  count: number,
  flush: 'flushed' | 'unflushed',
): Promise<number[]> {
  const listener = new Client({ connectionString: url });
  const sender = new Client({ connectionString: url });
  await Promise.all([listener.connect(), sender.connect()]);
  // Unflushed: the commit returns before its WAL reaches the disk, which isolates what the
  // flush costs (the bus never does this: a stored entry must survive a crash).
  if (flush === 'unflushed') await sender.query('SET synchronous_commit = off');
  const samples: number[] = [];
  listener.on('notification', (m) => {
    const row = JSON.parse(m.payload!) as { metadata: { sent: number } };
    samples.push(epochMs() - row.metadata.sent);
  });
  await listener.query('LISTEN bench_append');
  for (let i = 0; i < count; i++) {
    await sender.query(
      `WITH added AS (
         INSERT INTO status_bus_entries (entry_id, ts, agent_id, action, status, metadata)
         VALUES (gen_random_uuid(), now(), 'exec', 'probe', 'info', jsonb_build_object('sent', $1::float8))
         RETURNING *)
       SELECT pg_notify('bench_append', row_to_json(added)::text) FROM added`,
      [epochMs()],
    );
    await sleep(2);
  }
  await sleep(200);
  await Promise.all([listener.end(), sender.end()]);
  return samples;
}

export async function crossInstance(quick: boolean): Promise<Section> {
  const count = quick ? 300 : 2000;
  const db = await createTestDatabase('bench_cross');
  const a = await startBus({ postgres: { url: db.url, migrationsRun: true } });
  const child = forkBench('cross-instance.process.ts', { BENCH_URL: db.url });
  try {
    const samples: number[] = [];
    await new Promise<void>((resolve, reject) => {
      child.on('message', (m: { ready?: boolean; latency?: number }) => {
        if (m.ready) resolve();
        if (m.latency !== undefined) samples.push(m.latency);
      });
      child.once('exit', (code) => reject(new Error(`instance B exited with ${code}`)));
    });
    progress(`post on instance A → callback on process B, ${count} entries`);
    // The part of each hand-over spent in A's append statement (insert, commit, NOTIFY).
    const appendMs: number[] = [];
    const stop = a.bus.instrument({ appended: (_count, ms) => appendMs.push(ms) });
    for (let i = 0; i < count; i++) {
      await a.bus.postAsync('exec', 'probe', 'info', { metadata: { sent: epochMs() } });
      await sleep(2);
    }
    stop();
    await sleep(500);
    // B stays subscribed while the baselines append to the same table: freeze its figures now.
    const bus = latencies(samples);
    const received = samples.length;
    child.kill();
    progress(`raw NOTIFY round trip, ${count} notifications`);
    const raw = latencies(await notifyRoundTrips(db.url, count));
    progress(`raw append + NOTIFY carrying the row, ${count} entries`);
    const chain = latencies(await appendNotifyRoundTrips(db.url, count, 'flushed'));
    progress(`the same with synchronous_commit off, ${count} entries`);
    const unflushed = latencies(await appendNotifyRoundTrips(db.url, count, 'unflushed'));
    const append = latencies(appendMs);
    const rows: Row[] = [
      {
        name: 'A → B p50',
        value: bus.p50,
        unit: 'ms',
        baseline: { name: 'raw NOTIFY p50', value: raw.p50 },
      },
      {
        name: 'A → B p99',
        value: bus.p99,
        unit: 'ms',
        baseline: { name: 'raw NOTIFY p99', value: raw.p99 },
        target: { text: '≤ 3× raw NOTIFY', met: (r) => r <= 3 },
      },
    ];
    rows.push(
      {
        name: 'A → B p50',
        value: bus.p50,
        unit: 'ms',
        baseline: { name: 'raw append + NOTIFY p50', value: chain.p50 },
      },
      {
        name: 'A → B p99',
        value: bus.p99,
        unit: 'ms',
        baseline: { name: 'raw append + NOTIFY p99', value: chain.p99 },
      },
      // Where the time goes: the floor of a durable hand-over is already above 3× a bare NOTIFY,
      // and the commit's WAL flush is what puts it there.
      {
        name: 'raw append + NOTIFY p99 (the floor of a durable hand-over)',
        value: chain.p99,
        unit: 'ms',
        baseline: { name: 'raw NOTIFY p99', value: raw.p99 },
      },
      {
        name: 'raw append + NOTIFY p99, synchronous_commit off',
        value: unflushed.p99,
        unit: 'ms',
        baseline: { name: 'raw NOTIFY p99', value: raw.p99 },
        note: 'the commit not waiting for its WAL flush: what the flush costs',
      },
      {
        name: "A's append statement p50 (insert, commit, NOTIFY)",
        value: append.p50,
        unit: 'ms',
        baseline: { name: 'A → B p50', value: bus.p50 },
        note: 'the rest: the notification, B reading the entries, delivery',
      },
      {
        name: "A's append statement p99",
        value: append.p99,
        unit: 'ms',
        baseline: { name: 'A → B p99', value: bus.p99 },
      },
    );
    if (received !== count)
      rows.push({ name: 'entries received by B', value: received, unit: `of ${count}` });
    return { title: 'Across instances (separate processes)', rows };
  } finally {
    child.kill();
    await a.app.close();
    await db.drop();
  }
}
