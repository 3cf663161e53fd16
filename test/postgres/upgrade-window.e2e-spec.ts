/**
 * The upgrade window (docs/operations.md): once this release's migrations have run, an instance
 * of the release before runs beside one of this release on the same database, so instances are
 * upgraded one at a time. The release before is taken from the repository's history.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { eventually } from '../support/bus-app';
import { InstanceProcess } from '../support/instance-processes';
import { sharedDatabase } from '../support/shared-database';

/** The release before this one: the last that ran without `status_bus_schema_version()`. */
const PREVIOUS_RELEASE = '757897ca6654d92cf30448842a808809aecc9db2';

const repository = join(__dirname, '../..');

/** The release's sources (`src/`, `migrations/`) under `.tmp/`, resolving this tree's packages. */
function checkOut(commit: string): string {
  try {
    execFileSync('git', ['cat-file', '-e', `${commit}^{commit}`], { cwd: repository });
  } catch {
    throw new Error(
      `The upgrade test runs the release before from the git history, and commit ${commit} ` +
        'is not in this checkout: clone the repository with its history.',
    );
  }
  const root = join(repository, '.tmp', `release-${commit.slice(0, 12)}`);
  rmSync(root, { recursive: true, force: true });
  mkdirSync(root, { recursive: true });
  const archive = execFileSync('git', ['archive', commit, 'src', 'migrations'], {
    cwd: repository,
    maxBuffer: 64 * 1024 * 1024,
  });
  execFileSync('tar', ['-x', '-C', root], { input: archive });
  return join(root, 'src');
}

interface Report {
  subscribed: number[];
  events: number[];
}

describe('the upgrade window', () => {
  const shared = sharedDatabase('upgrade');
  let previous: InstanceProcess | undefined;

  // Before the database is dropped (sharedDatabase's afterEach, which runs after this one).
  afterEach(async () => {
    await previous?.close().catch(() => previous?.kill());
    previous = undefined;
  });

  it('runs an instance of the release before beside one of this release: one order, every entry to both, exactly once', async () => {
    // This release migrates the database first, as a deploy does.
    const current = await shared.start();
    const seen: number[] = [];
    await current.bus.subscribe((e) => {
      seen.push(e.seq!);
    });
    previous = await InstanceProcess.start(shared.db.url, {
      STATUS_BUS_SOURCE: checkOut(PREVIOUS_RELEASE),
    });
    const perInstance = 300;
    const [{ acknowledged }] = await Promise.all([
      previous.request<{ acknowledged: string[] }>(
        { type: 'post', count: perInstance, prefix: 'previous', paceMs: 1 },
        'posted',
      ),
      (async () => {
        for (let i = 0; i < perInstance; i++) {
          if (i % 2) current.bus.post('exec', `current${i}`, 'info');
          else await current.bus.postAsync('exec', `current${i}`, 'ok');
        }
        await current.bus.flush();
      })(),
    ]);
    expect(acknowledged).toHaveLength(perInstance);

    const rows = await shared.db.query<{ seq: string; action: string }>(
      'SELECT seq, action FROM status_bus_entries ORDER BY seq',
    );
    const seqs = rows.map((r) => Number(r.seq));
    expect(seqs).toEqual(seqs.map((_, i) => i + 1));
    expect(rows.filter((r) => r.action.startsWith('previous'))).toHaveLength(perInstance);
    expect(rows.filter((r) => r.action.startsWith('current'))).toHaveLength(perInstance);

    let report: Report = { subscribed: [], events: [] };
    await eventually(async () => {
      report = await previous!.request<Report>({ type: 'report' }, 'report');
      return report.subscribed.length >= seqs.length && seen.length >= seqs.length;
    }, 20_000);
    expect(report.subscribed).toEqual(seqs);
    expect(report.events).toEqual(seqs);
    expect(seen).toEqual(seqs);
  });
});
