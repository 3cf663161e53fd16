import { Client } from 'pg';
import { eventually } from '../support/bus-app';
import { InstanceProcess } from '../support/instance-processes';
import { createTestDatabase, TestDatabase } from '../support/test-database';

describe('an instance that dies', () => {
  let db: TestDatabase;
  beforeEach(async () => {
    db = await createTestDatabase('death');
  });
  afterEach(async () => {
    await db.drop();
  });

  const stored = async () =>
    new Set(
      (await db.query<{ action: string }>('SELECT action FROM status_bus_entries')).map(
        (r) => r.action,
      ),
    );

  it('kill -9: every entry whose postAsync had resolved is in the table', async () => {
    const instance = await InstanceProcess.start(db.url);
    const acknowledged: string[] = [];
    instance.onAck((action) => acknowledged.push(action));
    instance.send({ type: 'post', count: 5000, prefix: 'k', paceMs: 1 });
    await eventually(() => acknowledged.length > 400);
    // The table locked by another session: no append can commit, so no postAsync may resolve
    // meanwhile; one that resolved anyway would be lost with the process.
    const locker = new Client({ connectionString: db.url });
    await locker.connect();
    await locker.query('BEGIN');
    await locker.query('LOCK TABLE status_bus_entries IN SHARE ROW EXCLUSIVE MODE');
    await new Promise((resolve) => setTimeout(resolve, 300));
    await instance.kill('SIGKILL');
    await locker.query('ROLLBACK');
    await locker.end();
    // Odd-numbered entries went through postAsync: their acknowledgement means committed.
    const awaited = acknowledged.filter((a) => Number(a.split('-')[1]) % 2 === 1);
    expect(awaited.length).toBeGreaterThan(100);
    const table = await stored();
    expect(awaited.filter((a) => !table.has(a))).toEqual([]);
  });

  it('SIGTERM: every entry posted before the signal is stored before the process exits', async () => {
    const instance = await InstanceProcess.start(db.url);
    const accepted: string[] = [];
    instance.onAck((action) => accepted.push(action));
    // Posts only, none awaited: what the writer has not stored when the signal comes is stored
    // by the shutdown's flush, or lost.
    instance.send({ type: 'post', count: 5000, prefix: 't', unawaited: true });
    await eventually(() => accepted.length > 400);
    const exitCode = await instance.kill('SIGTERM');
    expect(exitCode === 0 || exitCode === null).toBe(true);
    const table = await stored();
    expect(accepted.filter((a) => !table.has(a))).toEqual([]);
    expect(table.size).toBeGreaterThanOrEqual(accepted.length);
  });
});
