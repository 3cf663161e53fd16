import { createTestDatabase, migratedDataSource } from '../../test/support/test-database';
import { startBus } from '../bus-app';
import { forkBench, median, progress, Row, Section } from '../measure';
import type { WriterReport } from '../writer.process';

/**
 * `count` writer processes on one fresh database, each posting `total / count` entries at the
 * same moment; the aggregate throughput is the total over the time from the first start to the
 * last finish.
 */
async function writers(count: number, total: number): Promise<number> {
  const db = await createTestDatabase(`bench_writers_${count}`);
  try {
    await (await migratedDataSource(db.url)).destroy();
    return await writerProcesses(count, total, { BENCH_URL: db.url });
  } finally {
    await db.drop();
  }
}

/**
 * `count` writer processes, which subscribe to nothing, on one fresh database, with one
 * instance (in this process) subscribed to everything: the writers' aggregate throughput. The
 * reader must see every stored entry once, in the table's order, or the run fails.
 */
async function writersWithReader(count: number, total: number): Promise<number> {
  const db = await createTestDatabase(`bench_reader_${count}`);
  try {
    await (await migratedDataSource(db.url)).destroy();
    const { app, bus } = await startBus({ postgres: { url: db.url } });
    try {
      const seen: number[] = [];
      let done!: () => void;
      const all = new Promise<void>((resolve) => (done = resolve));
      await bus.subscribe((entry) => {
        if (seen.push(entry.seq!) === total) done();
      });
      const rate = await writerProcesses(count, total, { BENCH_URL: db.url });
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        all,
        new Promise((_, reject) => {
          timer = setTimeout(
            () => reject(new Error(`the reading instance saw ${seen.length} of ${total} entries`)),
            120_000,
          );
        }),
      ]).finally(() => clearTimeout(timer));
      const stored = (
        await db.query<{ seq: string }>('SELECT seq FROM status_bus_entries ORDER BY seq')
      ).map((row) => Number(row.seq));
      if (seen.length !== stored.length || seen.some((seq, i) => seq !== stored[i])) {
        throw new Error('the reading instance did not see the stored entries once, in order');
      }
      return rate;
    } finally {
      await app.close();
    }
  } finally {
    await db.drop();
  }
}

/**
 * `count` writer processes on the store `env` names (see bench/bus-app.ts), each posting
 * `total / count` entries at the same moment: entries per second from the first start to the
 * last finish.
 */
export async function writerProcesses(
  count: number,
  total: number,
  env: NodeJS.ProcessEnv,
): Promise<number> {
  const children = Array.from({ length: count }, () =>
    forkBench('writer.process.ts', { ...env, BENCH_POSTS: String(total / count) }),
  );
  const ready = children.map(
    (child) =>
      new Promise<void>((resolve, reject) => {
        child.once('message', () => resolve());
        child.once('exit', (code) => reject(new Error(`a writer exited with ${code}`)));
      }),
  );
  await Promise.all(ready);
  const reports = children.map(
    (child) =>
      new Promise<WriterReport>((resolve, reject) => {
        child.once('message', (report) => resolve(report as WriterReport));
        child.once('exit', (code) => reject(new Error(`a writer exited with ${code}`)));
      }),
  );
  for (const child of children) child.send('go');
  const done = await Promise.all(reports);
  const started = Math.min(...done.map((r) => r.started));
  const finished = Math.max(...done.map((r) => r.finished));
  return total / ((finished - started) / 1000);
}

export async function severalWriters(quick: boolean): Promise<Section> {
  const total = quick ? 40_000 : 200_000;
  // One round of each count varies by ±20% on this shared machine, more than the differences
  // measured: each figure is the median of three rounds, the counts' order rotated each round
  // so that no count always runs first or last.
  const rounds = quick ? 1 : 3;
  // 0 stands for four writers beside one reading instance.
  const counts = [1, 2, 4, 0];
  const measured = new Map(counts.map((count) => [count, [] as number[]]));
  for (let round = 0; round < rounds; round++) {
    for (let i = 0; i < counts.length; i++) {
      const count = counts[(i + round) % counts.length]!;
      const what =
        count === 0
          ? '4 writer processes and a reading instance'
          : `${count} writer process${count > 1 ? 'es' : ''}`;
      progress(`round ${round + 1} of ${rounds}: ${what}, ${total} entries in all`);
      measured
        .get(count)!
        .push(count === 0 ? await writersWithReader(4, total) : await writers(count, total));
    }
  }
  const rates: Record<number, number> = {};
  for (const [count, figures] of measured) rates[count] = median(figures);
  const rows: Row[] = [
    {
      name: '1 writer process, post then flush',
      value: rates[1]!,
      unit: 'entries/s',
      note: rounds > 1 ? `median of ${rounds} rounds, as below` : undefined,
    },
  ];
  for (const count of counts.slice(1, 3)) {
    rows.push({
      name: `${count} writer processes together`,
      value: rates[count]!,
      unit: 'entries/s',
      baseline: { name: '1 writer process', value: rates[1]! },
      target: { text: '≥ 1× (more writers never mean less)', met: (r) => r >= 1 },
    });
  }
  rows.push({
    name: '4 writer processes together, one more instance reading every entry',
    value: rates[0]!,
    unit: 'entries/s',
    baseline: { name: '1 writer process', value: rates[1]! },
    target: {
      text: '≥ 1× (writers that subscribe to nothing do not tail the log)',
      met: (r) => r >= 1,
    },
    note: 'the reader saw every stored entry once, in order',
  });
  return { title: 'Several writers on one database (PostgreSQL)', rows };
}
