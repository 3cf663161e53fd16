import { INestApplicationContext } from '@nestjs/common';
import { STATUS_BACKEND, StatusBusModuleOptions, StatusBusService } from '../../src';
import type { PostgresStatusBackend } from '../../src/postgres';
import { createTestDatabase, migratedDataSource } from '../../test/support/test-database';
import { startBus } from '../bus-app';
import { latencies, now, progress, Row, Section } from '../measure';

/** Days kept by the retention this section measures against, as in production. */
const KEEP_DAYS = 30;
/** Entries of each of those days, already in the log when the measurement starts. */
const DAY_ROWS = 10_000;

/** Rows of `agent0..49`, `room0..19`, as the bus's own posts below; `ts` from `ts`. */
function fill(rows: number, ts: string): string {
  return `INSERT INTO status_bus_entries (entry_id, ts, agent_id, action, status, detail, metadata, room_id)
          SELECT gen_random_uuid(), ${ts}, 'agent' || (i % 50), 'step', 'info', 'step ' || i,
                 jsonb_build_object('i', i), 'room' || (i % 20)
            FROM generate_series(1, ${rows}) AS i`;
}

/**
 * A fresh database with the log as 30 days of retention leave it: a partition for each of the
 * last 30 days, each holding a day of entries (`daily`), or, as the baseline, the same entries
 * in one partition. Both are the current schema and append alike (by COPY): only the layout
 * differs, so the difference is what partitioning by day costs or saves.
 */
async function database(daily: boolean) {
  const db = await createTestDatabase(`bench_${daily ? 'daily' : 'single'}`);
  await (await migratedDataSource(db.url)).destroy();
  await db.query('ALTER TABLE status_bus_entries DETACH PARTITION status_bus_entries_history');
  await db.query('DROP TABLE status_bus_entries_history');
  await db.query(
    daily
      ? `SELECT status_bus_entries_add(${DAY_ROWS}, ${KEEP_DAYS})`
      : `SELECT status_bus_entries_add(${KEEP_DAYS * DAY_ROWS}, 1)`,
  );
  await db.query(fill(KEEP_DAYS * DAY_ROWS, 'now()'));
  // The hourly sample a bus running all along would have taken.
  await db.query(
    `INSERT INTO status_bus_positions (at, seq) VALUES (now() - interval '1 hour', ${KEEP_DAYS * DAY_ROWS})`,
  );
  await db.query('VACUUM ANALYZE status_bus_entries');
  return db;
}

async function withBus<T>(
  url: string,
  options: StatusBusModuleOptions,
  work: (bus: StatusBusService, app: INestApplicationContext) => Promise<T>,
): Promise<T> {
  const { app, bus } = await startBus({ ...options, postgres: { url, migrationsRun: false } });
  try {
    return await work(bus, app);
  } finally {
    await app.close();
  }
}

/** Posts per second (post × count, then flush), and recent(10) latencies after, in ms. */
async function appendAndRead(daily: boolean, count: number, samples: number) {
  const db = await database(daily);
  try {
    return await withBus(db.url, {}, async (bus) => {
      const start = now();
      for (let i = 0; i < count; i++) {
        bus.post(`agent${i % 50}`, 'step', 'info', {
          detail: `step ${i}`,
          roomId: `room${i % 20}`,
        });
      }
      await bus.flush();
      const rate = count / ((now() - start) / 1000);
      const read = (i: number) => bus.recent(10, i % 2 ? { agentId: `agent${i % 50}` } : {});
      // Warmed on every connection of the pool first: PostgreSQL plans a prepared statement
      // for its first few calls before it keeps a plan, on either table.
      for (let i = 0; i < 200; i++)
        await Promise.all([read(i), read(i + 1), read(i + 2), read(i + 3)]);
      const took: number[] = [];
      for (let i = 0; i < samples; i++) {
        const t = now();
        await read(i);
        took.push(now() - t);
      }
      return { rate, ...latencies(took) };
    });
  } finally {
    await db.drop();
  }
}

/** postAsync latencies (ms) one at a time until `until` settles, at most `max` of them. */
async function postLatencies(bus: StatusBusService, until: Promise<unknown>, max: number) {
  let done = false;
  void until.finally(() => (done = true));
  const took: number[] = [];
  while (!done && took.length < max) {
    const t = now();
    await bus.postAsync('exec', 'step', 'info');
    took.push(now() - t);
  }
  return took;
}

/**
 * Drops a partition of `rows` entries past the horizon while posting; post latencies before and
 * during.
 */
async function dropWhilePosting(rows: number) {
  const db = await createTestDatabase('bench_drop');
  try {
    await (await migratedDataSource(db.url)).destroy();
    await db.query(`SELECT status_bus_entries_add(${rows}, 1)`);
    await db.query(fill(rows, `now() - interval '${KEEP_DAYS + 5} days'`));
    await db.query('VACUUM ANALYZE status_bus_entries');
    const retention = { keep: `${KEEP_DAYS} days`, checkEveryMs: 86_400_000 };
    return await withBus(db.url, { retention }, async (bus, app) => {
      const partitions = app.get<PostgresStatusBackend>(STATUS_BACKEND);
      // After the pass the bus made as it started: the log had moved past that partition
      // before the horizon, as a sample of the time says.
      await partitions.maintain();
      await db.query(
        `INSERT INTO status_bus_positions (at, seq)
         VALUES (now() - interval '${KEEP_DAYS + 4} days', ${rows})`,
      );
      await postLatencies(bus, new Promise((r) => setTimeout(r, 1000)), 1000); // warm-up
      const before = await postLatencies(bus, new Promise((r) => setTimeout(r, 3000)), 3000);
      const started = now();
      const dropping = partitions.maintain();
      const during = await postLatencies(bus, dropping, 1_000_000);
      const report = await dropping;
      return {
        before: latencies(before),
        during: latencies(during),
        samples: during.length,
        dropMs: now() - started,
        dropped: report?.dropped.reduce((sum, d) => sum + d.rows, 0) ?? 0,
      };
    });
  } finally {
    await db.drop();
  }
}

export async function partitions(quick: boolean): Promise<Section> {
  const count = quick ? 20_000 : 200_000;
  const samples = quick ? 500 : 2000;
  progress(
    `post × ${count} then flush, and recent(10) × ${samples}: daily partitions and one, twice each`,
  );
  // In turns, twice each, keeping each one's better run: a load leaves the server busy for a
  // while (checkpoint, autovacuum), which would otherwise count against whichever runs second.
  const runs: { daily: boolean; rate: number; p50: number; p99: number }[] = [];
  for (const daily of [false, true, true, false]) {
    runs.push({ daily, ...(await appendAndRead(daily, count, samples)) });
  }
  const best = (daily: boolean) => {
    const mine = runs.filter((r) => r.daily === daily);
    return {
      rate: Math.max(...mine.map((r) => r.rate)),
      p50: Math.min(...mine.map((r) => r.p50)),
      p99: Math.min(...mine.map((r) => r.p99)),
    };
  };
  const single = best(false);
  const parted = best(true);
  const dropRows = quick ? 100_000 : 1_000_000;
  progress(`dropping a partition of ${dropRows.toLocaleString('en-US')} rows while posting`);
  const drop = await dropWhilePosting(dropRows);
  const rows: Row[] = [
    {
      name: `post then flush, ${KEEP_DAYS} daily partitions (${DAY_ROWS.toLocaleString('en-US')} entries each before)`,
      value: parted.rate,
      unit: 'entries/s',
      baseline: { name: 'the same entries in one partition', value: single.rate },
      target: { text: '≥ 0.95×', met: (ratio) => ratio >= 0.95 },
      note: 'both appended as the bus appends (COPY): the layouts compared',
    },
    {
      name: `recent(10) p50, ${KEEP_DAYS} daily partitions`,
      value: parted.p50,
      unit: 'ms',
      baseline: { name: 'the same entries in one partition', value: single.p50 },
      target: { text: '≤ 1.1×', met: (ratio) => ratio <= 1.1 },
    },
    {
      name: `recent(10) p99, ${KEEP_DAYS} daily partitions`,
      value: parted.p99,
      unit: 'ms',
      baseline: { name: 'the same entries in one partition', value: single.p99 },
      target: { text: '≤ 1.1×', met: (ratio) => ratio <= 1.1 },
    },
    {
      name: `postAsync p99 while a partition of ${drop.dropped.toLocaleString('en-US')} rows is dropped`,
      value: drop.during.p99,
      unit: 'ms',
      baseline: { name: 'before the drop', value: drop.before.p99 },
      note: `${drop.samples} posts during a drop of ${Math.round(drop.dropMs)} ms; p50 ${drop.during.p50.toFixed(2)} ms (before: ${drop.before.p50.toFixed(2)} ms)`,
    },
  ];
  return { title: 'Partitions and retention (PostgreSQL)', rows };
}
