import { createTestDatabase, migratedDataSource } from '../../test/support/test-database';
import type { InMemoryLoadReport } from '../in-memory-load.process';
import { benchProcess, progress, Row, Section } from '../measure';
import type { SustainedLoadReport } from '../sustained-load.process';

export async function memory(quick: boolean): Promise<Section> {
  const total = quick ? 500_000 : 5_000_000;
  const rows: Row[] = [];
  {
    progress(`${total} posts on the in-memory backend, in a process of its own`);
    const report = await benchProcess<InMemoryLoadReport>('in-memory-load.process.ts', {
      BENCH_POSTS: String(total),
    });
    const early = `after ${(report.chunk * 5).toLocaleString('en-US')} posts`;
    rows.push(
      {
        name: `RSS after ${total.toLocaleString('en-US')} posts (in memory)`,
        value: report.end.rss,
        unit: 'MiB',
        baseline: { name: `RSS ${early}`, value: report.early.rss },
        target: { text: 'flat (≤ 1.2×)', met: (r) => r <= 1.2 },
        note: `${report.delivered.toLocaleString('en-US')} delivered`,
      },
      {
        name: `heap after ${total.toLocaleString('en-US')} posts (in memory)`,
        value: report.end.heap,
        unit: 'MiB',
        baseline: { name: `heap ${early}`, value: report.early.heap },
        target: { text: 'flat (≤ 1.2×)', met: (r) => r <= 1.2 },
      },
    );
  }
  {
    const seconds = quick ? 5 : 60;
    const perSecond = 2000;
    const db = await createTestDatabase('bench_sustained');
    await (await migratedDataSource(db.url)).destroy();
    try {
      progress(`${seconds} s at ${perSecond} posts/s on PostgreSQL, in a process of its own`);
      const report = await benchProcess<SustainedLoadReport>('sustained-load.process.ts', {
        BENCH_URL: db.url,
        BENCH_SECONDS: String(seconds),
        BENCH_RATE: String(perSecond),
      });
      rows.push({
        name: `RSS at the end of ${seconds} s sustained load (PostgreSQL)`,
        value: report.last,
        unit: 'MiB',
        baseline: { name: 'RSS after the first second', value: report.first },
        target: { text: 'flat (≤ 1.2×)', met: (r) => r <= 1.2 },
        note: `${report.posted.toLocaleString('en-US')} posted, ${report.delivered.toLocaleString('en-US')} delivered`,
      });
    } finally {
      await db.drop();
    }
  }
  return { title: 'Memory', rows };
}
