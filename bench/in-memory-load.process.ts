/**
 * The in-memory memory benchmark, in a process of its own so that its RSS holds nothing from
 * earlier sections: posts BENCH_POSTS entries in chunks and reports RSS and heap after the
 * fifth chunk and at the end.
 */
import 'reflect-metadata';
import { startBus } from './bus-app';
import { heapMiB, rssMiB, sampleEntry } from './measure';

/** What the process reports over IPC. */
export interface InMemoryLoadReport {
  chunk: number;
  early: { rss: number; heap: number };
  end: { rss: number; heap: number };
  delivered: number;
}

void (async () => {
  const total = Number(process.env.BENCH_POSTS);
  const { app, bus } = await startBus({});
  let delivered = 0;
  await bus.subscribe(() => {
    delivered += 1;
  });
  const e = sampleEntry(3);
  const options = { detail: e.detail, metadata: e.metadata };
  const chunk = 50_000;
  let early = { rss: 0, heap: 0 };
  for (let i = 0; i < total; i += chunk) {
    for (let j = 0; j < chunk; j++) bus.post('exec', 'step', 'ok', options);
    await bus.flush();
    if (i === chunk * 4) early = { rss: rssMiB(), heap: heapMiB() };
  }
  const report: InMemoryLoadReport = {
    chunk,
    early,
    end: { rss: rssMiB(), heap: heapMiB() },
    delivered,
  };
  await app.close();
  process.send!(report, () => process.exit(0));
})();
