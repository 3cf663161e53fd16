/**
 * The sustained-load memory benchmark, in a process of its own so that its RSS holds nothing
 * from earlier sections: posts BENCH_RATE entries a second for BENCH_SECONDS to the bus on
 * BENCH_URL, sampling RSS once a second.
 */
import 'reflect-metadata';
import { startBus } from './bus-app';
import { now, rssMiB, sampleEntry, sleep } from './measure';

/** What the process reports over IPC. */
export interface SustainedLoadReport {
  /** RSS after the first second and at the end, MiB. */
  first: number;
  last: number;
  posted: number;
  delivered: number;
}

void (async () => {
  const seconds = Number(process.env.BENCH_SECONDS);
  const perSecond = Number(process.env.BENCH_RATE);
  const { app, bus } = await startBus({ postgres: { url: process.env.BENCH_URL! } });
  let delivered = 0;
  await bus.subscribe(() => {
    delivered += 1;
  });
  const samples: number[] = [];
  const start = now();
  let posted = 0;
  while (now() - start < seconds * 1000) {
    const elapsed = (now() - start) / 1000;
    for (const due = Math.floor(elapsed * perSecond); posted < due; posted++) {
      const e = sampleEntry(posted);
      bus.post(e.agentId, e.action, e.status, e);
    }
    if (elapsed >= samples.length + 1) samples.push(rssMiB());
    await sleep(5);
  }
  await bus.flush();
  const report: SustainedLoadReport = {
    first: samples[0] ?? rssMiB(),
    last: samples[samples.length - 1] ?? rssMiB(),
    posted,
    delivered,
  };
  await app.close();
  process.send!(report, () => process.exit(0));
})();
