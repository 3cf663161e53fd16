import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { createTestDatabase, TestDatabase } from './support/test-database';

describe('the demo (npm start)', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase('demo');
  });
  afterAll(async () => {
    await db.drop();
  });

  it('runs the sample task, tells the voice session, refuses the second delegation and prints the summary', async () => {
    const { stdout } = await promisify(execFile)('npm', ['start', '--silent', '--', '--once'], {
      env: { ...process.env, DATABASE_URL: db.url, NO_COLOR: '1', PORT: '0' },
      timeout: 60_000,
    });
    // "Starting..." waited for the user to stop speaking and was overtaken by the newer update
    // of the same task; the "pending" start was dropped by its rule.
    expect(stdout).toMatch(/receipt for #\d+: dropped/);
    expect(stdout).toMatch(/receipt for #\d+: superseded/);
    // A real RealtimeSession (on the SDK's scripted transport) is told, in the system role.
    expect(stdout).toMatch(
      /demo-session ← system: \[Agent update\] search_google\("roomkit conversation AI"\): Found 15 text elements on results page/,
    );
    expect(stdout).not.toMatch(/demo-session ← .*Starting\.\.\./);
    expect(stdout).toMatch(
      /demo-session ← system: \[Agent update\] click_result\(117\): Element not visible, retrying/,
    );
    expect(stdout).toMatch(
      /demo-session ← system: \[Agent update\] task_completed: Duration: \d+ms/,
    );
    // The failure asked for a reply, once the user had stopped speaking, and it was spoken.
    expect(stdout).toMatch(/the user stopped speaking[\s\S]*demo-session: a reply is asked for/);
    expect(stdout).toMatch(/receipt for #\d+: spoken/);
    expect(stdout).toMatch(/First delegation → Task completed\./);
    expect(stdout).toMatch(
      /Second delegation → Task already completed\. Ask the user if they need something different\./,
    );
    expect(stdout).toMatch(/Total: 6 entries/);
    const rows = await db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM status_bus_entries WHERE action <> 'voice_delivery'`,
    );
    expect(rows[0]!.n).toBe(7);
  });
});
