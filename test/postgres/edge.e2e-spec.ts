import { StatusEntryJson } from '../../src';
import { TOKEN } from '../support/admin-app';
import { eventually } from '../support/bus-app';
import { InstanceProcess } from '../support/instance-processes';
import { sharedDatabase } from '../support/shared-database';
import { SseClient } from '../support/sse-client';

const auth = { Authorization: `Bearer ${TOKEN}` };

describe('the admin API on PostgreSQL, at the edge', () => {
  const shared = sharedDatabase('edge');

  /** An instance serving the admin API on a loopback port. */
  async function serving() {
    const instance = await shared.start({ admin: { token: TOKEN, heartbeatMs: 100 } });
    await instance.app.listen(0, '127.0.0.1');
    return Object.assign(instance, { url: await instance.app.getUrl() });
  }

  it('answers 503 while the database is unreachable, and 200 once it is back', async () => {
    const { bus, url } = await serving();
    await bus.postAsync('exec', 'a', 'ok');
    const allow = await shared.db.refuseConnections();
    try {
      for (const path of [
        '/status/recent',
        '/status/recent/text',
        '/status/summary',
        '/status/stream',
      ]) {
        const response = await fetch(`${url}${path}`, { headers: auth });
        expect([path, response.status]).toEqual([path, 503]);
        expect(await response.text()).toMatch(/The status store could not answer/);
      }
    } finally {
      await allow();
    }
    await eventually(
      async () => (await fetch(`${url}/status/recent`, { headers: auth })).status === 200,
    );
  });

  it('ends its streams on close, and the client resumes on another instance with nothing lost or doubled', async () => {
    const a = await serving();
    const b = await serving();
    const client = await SseClient.open(`${a.url}/status/stream`, auth);
    for (let i = 0; i < 3; i++) await a.bus.postAsync('exec', `before ${i}`, 'ok');
    await eventually(() => client.entries().length === 3);
    await shared.stop(a);
    await eventually(() => client.ended);
    const [end] = client.named<{ reason: string; last_seq: number }>('end');
    expect(end!.reason).toBe('shutdown');
    for (let i = 0; i < 2; i++) await b.bus.postAsync('exec', `after ${i}`, 'ok');
    const resumed = await SseClient.open(`${b.url}/status/stream`, {
      ...auth,
      'Last-Event-ID': String(end!.last_seq),
    });
    await eventually(() => resumed.entries().length === 2);
    expect(
      [...client.entries<StatusEntryJson>(), ...resumed.entries<StatusEntryJson>()].map(
        (e) => e.action,
      ),
    ).toEqual(['before 0', 'before 1', 'before 2', 'after 0', 'after 1']);
    resumed.close();
  });

  it('ends on SIGTERM while a client holds a stream open', async () => {
    const instance = await InstanceProcess.start(shared.db.url);
    const client = await SseClient.open(`${instance.url}/status/stream`);
    expect(client.status).toBe(200);
    const started = Date.now();
    await instance.kill('SIGTERM');
    expect(Date.now() - started).toBeLessThan(5000);
    await eventually(() => client.ended);
    expect(client.named<{ reason: string }>('end').map((e) => e.reason)).toEqual(['shutdown']);
  });
});
