import { createTestDatabase } from '../../test/support/test-database';
import { startBus } from '../bus-app';
import { heapMiB, now, progress, Row, rssMiB, sampleEntry, Section, sleep } from '../measure';

export async function memory(quick: boolean): Promise<Section> {
  const total = quick ? 500_000 : 5_000_000;
  const rows: Row[] = [];
  {
    const { app, bus } = await startBus({});
    let delivered = 0;
    await bus.subscribe(() => {
      delivered += 1;
    });
    const e = sampleEntry(3);
    const options = { detail: e.detail, metadata: e.metadata };
    progress(`${total} posts on the in-memory backend`);
    const chunk = 50_000;
    let rssEarly = 0;
    let heapEarly = 0;
    for (let i = 0; i < total; i += chunk) {
      for (let j = 0; j < chunk; j++) bus.post('exec', 'step', 'ok', options);
      await bus.flush();
      if (i === chunk * 4) {
        rssEarly = rssMiB();
        heapEarly = heapMiB();
      }
    }
    const early = `after ${(chunk * 5).toLocaleString('en-US')} posts`;
    rows.push(
      {
        name: `RSS after ${total.toLocaleString('en-US')} posts (in memory)`,
        value: rssMiB(),
        unit: 'MiB',
        baseline: { name: `RSS ${early}`, value: rssEarly },
        target: { text: 'flat (≤ 1.2×)', met: (r) => r <= 1.2 },
        note: `${delivered.toLocaleString('en-US')} delivered`,
      },
      {
        name: `heap after ${total.toLocaleString('en-US')} posts (in memory)`,
        value: heapMiB(),
        unit: 'MiB',
        baseline: { name: `heap ${early}`, value: heapEarly },
        target: { text: 'flat (≤ 1.2×)', met: (r) => r <= 1.2 },
      },
    );
    await app.close();
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
