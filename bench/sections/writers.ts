import { createTestDatabase, migratedDataSource } from '../../test/support/test-database';
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
  const counts = [1, 2, 4];
  const measured = new Map(counts.map((count) => [count, [] as number[]]));
  for (let round = 0; round < rounds; round++) {
    for (let i = 0; i < counts.length; i++) {
      const count = counts[(i + round) % counts.length]!;
      progress(
        `round ${round + 1} of ${rounds}: ${count} writer process${count > 1 ? 'es' : ''}, ${total} entries in all`,
      );
      measured.get(count)!.push(await writers(count, total));
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
  for (const count of counts.slice(1)) {
    rows.push({
      name: `${count} writer processes together`,
      value: rates[count]!,
      unit: 'entries/s',
      baseline: { name: '1 writer process', value: rates[1]! },
      target: { text: '≥ 1× (more writers never mean less)', met: (r) => r >= 1 },
    });
  }
  return { title: 'Several writers on one database (PostgreSQL)', rows };
}
