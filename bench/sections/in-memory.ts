import { startBus } from '../bus-app';
import {
  inFlight,
  latencies,
  now,
  progress,
  rate,
  Row,
  sampleEntry,
  Section,
  sleep,
} from '../measure';

export async function inMemoryBus(quick: boolean): Promise<Section> {
  const n = quick ? 200_000 : 1_000_000;
  const { app, bus } = await startBus({ maxBufferedEntries: n + 1 });
  const e = sampleEntry(1);
  const options = { detail: e.detail, metadata: e.metadata };
  try {
    progress(`post × ${n} in bursts of 10,000 (time inside post only)`);
    let inside = 0;
    for (let done = 0; done < n; done += 10_000) {
      const start = now();
      for (let i = 0; i < 10_000; i++) bus.post('exec', 'step', 'ok', options);
      inside += now() - start;
      await bus.flush();
    }
    const accept = n / (inside / 1000);
    progress(`post × ${n}, then flush (stored and delivered)`);
    const postFlush = await rate(n, async () => {
      for (let i = 0; i < n; i++) bus.post('exec', 'step', 'ok', options);
      await bus.flush();
    });
    const asyncCount = n / 4;
    progress(`postAsync × ${asyncCount}, 256 in flight`);
    const postAsync = await rate(asyncCount, () =>
      inFlight(asyncCount, 256, () => bus.postAsync('exec', 'step', 'ok', options)),
    );

    progress('post-to-subscriber latency, 5,000 posts one at a time');
    const sentAt = new Map<string, number>();
    const samples: number[] = [];
    const unsubscribe = await bus.subscribe((entry) => {
      const t = sentAt.get(entry.id);
      if (t !== undefined) samples.push(now() - t);
    });
    for (let i = 0; i < 5000; i++) {
      const entry = bus.post('exec', 'probe', 'info');
      sentAt.set(entry.id, now());
      if (i % 10 === 0) await sleep(0);
    }
    await bus.flush();
    await unsubscribe();
    const latency = latencies(samples);
    const rows: Row[] = [
      {
        name: 'post, time inside the call',
        value: accept,
        unit: 'entries/s',
        target: { text: '≥ 1,000,000/s', met: (_r, v) => v >= 1_000_000 },
      },
      { name: 'post, then flush: stored and delivered', value: postFlush, unit: 'entries/s' },
      { name: 'postAsync, 256 in flight', value: postAsync, unit: 'entries/s' },
      { name: 'post → subscriber latency p50', value: latency.p50 * 1000, unit: 'µs' },
      { name: 'post → subscriber latency p99', value: latency.p99 * 1000, unit: 'µs' },
    ];
    return { title: 'In-memory bus', rows };
  } finally {
    await app.close();
  }
}
