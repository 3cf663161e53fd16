import { inOneProcess, inProcesses, MODEL_RUNS, reportTotals } from '../model/model-run';
import { RedisModelStore } from '../model/model-store';

// The model-based test on Redis (model-run.ts), on a server of each run's own with an
// append-only file: the server killed with SIGKILL and restarted, connections cut with
// CLIENT KILL, wake-up messages forged. Each run checks every invariant against the stream.
describe('the write and delivery path on Redis, against a model', () => {
  const store = () => RedisModelStore.create();
  afterAll(reportTotals);

  it(
    'keeps post order, one global order, exactly-once delivery and agreeing reads on 1–3 instances in one process',
    async () => expect(await inOneProcess(store)).toBe(MODEL_RUNS.inOneProcess),
    MODEL_RUNS.inOneProcess * 60_000,
  );

  it(
    'keeps them with instances in separate processes',
    async () => expect(await inProcesses(store)).toBe(MODEL_RUNS.inProcesses),
    MODEL_RUNS.inProcesses * 90_000,
  );
});
