/**
 * One writer of the several-writers benchmark: opens a bus on BENCH_URL, says it is ready, and
 * on `go` posts BENCH_POSTS entries then flushes; reports when it started and finished.
 */
import 'reflect-metadata';
import { startBus, storeFromEnv } from './bus-app';
import { sampleEntry } from './measure';

/** What the process reports over IPC, in milliseconds since the epoch. */
export interface WriterReport {
  started: number;
  finished: number;
}

const epochMs = () => performance.timeOrigin + performance.now();

void (async () => {
  const posts = Number(process.env.BENCH_POSTS);
  const { app, bus } = await startBus({
    ...storeFromEnv(),
    maxBufferedEntries: posts + 1,
  });
  const entries = Array.from({ length: 100 }, (_, i) => sampleEntry(i));
  process.once('message', () => {
    void (async () => {
      const started = epochMs();
      for (let i = 0; i < posts; i++) {
        const e = entries[i % entries.length]!;
        bus.post(e.agentId, e.action, e.status, { detail: e.detail, metadata: e.metadata });
      }
      await bus.flush();
      const report: WriterReport = { started, finished: epochMs() };
      await app.close();
      process.send!(report, () => process.exit(0));
    })();
  });
  process.send!({ ready: true });
})();
