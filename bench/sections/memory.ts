import { createTestDatabase } from '../../test/support/test-database';
import { startBus } from '../bus-app';
import type { InMemoryLoadReport } from '../in-memory-load.process';
import { forkBench, now, progress, Row, rssMiB, sampleEntry, Section, sleep } from '../measure';

export async function memory(quick: boolean): Promise<Section> {
  const total = quick ? 500_000 : 5_000_000;
  const rows: Row[] = [];
  {
    progress(`${total} posts on the in-memory backend, in a process of its own`);
    const child = forkBench('in-memory-load.process.ts', { BENCH_POSTS: String(total) });
    const report = await new Promise<InMemoryLoadReport>((resolve, reject) => {
      child.once('message', (m) => resolve(m as InMemoryLoadReport));
      child.once('exit', (code) => reject(new Error(`the in-memory load exited with ${code}`)));
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
    const { app, bus } = await startBus({ postgres: { url: db.url, migrationsRun: true } });
    let delivered = 0;
    await bus.subscribe(() => {
      delivered += 1;
    });
    progress(`${seconds} s at ${perSecond} posts/s on PostgreSQL`);
    const samples: number[] = [];
    const start = now();
    let posted = 0;
    while (now() - start < seconds * 1000) {
      const due = Math.floor(((now() - start) / 1000) * perSecond);
      for (; posted < due; posted++) {
        const e = sampleEntry(posted);
        bus.post(e.agentId, e.action, e.status, e);
      }
      if (posted % perSecond < 20) samples.push(rssMiB());
      await sleep(5);
    }
    await bus.flush();
    const first = samples[Math.min(1, samples.length - 1)] ?? rssMiB();
    rows.push({
      name: `RSS at the end of ${seconds} s sustained load (PostgreSQL)`,
      value: samples[samples.length - 1] ?? rssMiB(),
      unit: 'MiB',
      baseline: { name: 'RSS after the first second', value: first },
      target: { text: 'flat (≤ 1.2×)', met: (r) => r <= 1.2 },
      note: `${posted.toLocaleString('en-US')} posted, ${delivered.toLocaleString('en-US')} delivered`,
    });
    await app.close();
    await db.drop();
  }
  return { title: 'Memory', rows };
}
