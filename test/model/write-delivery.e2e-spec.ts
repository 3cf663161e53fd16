import { inOneProcess, inProcesses, MODEL_RUNS, reportTotals } from './model-run';
import { PostgresModelStore } from './model-store';

// The model-based test on PostgreSQL (model-run.ts): the database refuses connections for a
// while, listening and writing connections are cut, notifications are forged. Each run checks
// every invariant against the table; fast-check fails the test at the first run that breaks one.
describe('the write and delivery path on PostgreSQL, against a model', () => {
  const store = () => PostgresModelStore.create();
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
