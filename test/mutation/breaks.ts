import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/**
 * `npm run mutation:breaks [text…]`: the promises RELIABILITY.md says hold, each broken by hand
 * in the code, and the test it names run against the broken code: every one must fail. A
 * promise whose test passes with the promise broken is not shown by that test.
 *
 * Each break (test/mutation/breaks.json) names the promise (its row), the file, one exact
 * passage of it and what replaces it, and the jest arguments of the row's test. The breaks are
 * made in a worktree of HEAD (never in the checkout), one at a time. A break counts as caught
 * when a test fails (or hangs), not when its suite cannot run. A break whose test is known to
 * pass says why (`gap`): it is reported, and fails the run only once a test catches it. With
 * texts, only the breaks whose promise contains one of them run.
 */
interface Break {
  promise: string;
  file: string;
  find: string;
  replace: string;
  test: string[];
  /** Variables the test reads (a shorter run, say). */
  env?: Record<string, string>;
  /** Why the test is known to pass with this break: a gap written down, not a failure. */
  gap?: string;
}

const root = resolve(__dirname, '../..');
/** How long a break's test may run before it counts as hanging. */
const HANG_MS = 5 * 60_000;

function git(...args: string[]): void {
  const result = spawnSync('git', args, { cwd: root, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`git ${args.join(' ')}: ${result.stderr}`);
}

/**
 * Runs jest in `tree` with `args`; answers whether it had to be stopped for running longer than
 * `HANG_MS`. Jest runs in a process group of its own, so that stopping it stops what its tests
 * started too.
 */
function runJest(tree: string, args: string[], env: Record<string, string> = {}): Promise<boolean> {
  const child = spawn(
    join(tree, 'node_modules', '.bin', 'jest'),
    ['--runInBand', '--forceExit', ...args],
    {
      cwd: tree,
      env: { ...process.env, ...env },
      stdio: 'ignore',
      detached: true,
    },
  );
  return new Promise((resolve) => {
    let hung = false;
    const timer = setTimeout(() => {
      hung = true;
      process.kill(-child.pid!, 'SIGKILL');
    }, HANG_MS);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve(hung);
    });
  });
}

/**
 * What the run of a break's test says: `caught` only when a test ran and failed. A suite that
 * could not run, or a run in which no test ran, shows nothing about the promise.
 */
function judge(report: string): string {
  let result: { numFailedTests: number; numTotalTests: number; numRuntimeErrorTestSuites: number };
  try {
    result = JSON.parse(readFileSync(report, 'utf8')) as typeof result;
  } catch {
    return 'NO RUN';
  } finally {
    rmSync(report, { force: true });
  }
  if (result.numFailedTests > 0) return 'caught';
  if (result.numRuntimeErrorTestSuites > 0) return 'ERROR';
  return result.numTotalTests === 0 ? 'NO TEST' : 'MISSED';
}

async function main(): Promise<number> {
  const breaks = JSON.parse(readFileSync(join(__dirname, 'breaks.json'), 'utf8')) as Break[];
  const only = process.argv.slice(2);
  const chosen = only.length
    ? breaks.filter((b) => only.some((t) => b.promise.includes(t)))
    : breaks;
  if (chosen.length === 0) throw new Error(`no break's promise contains ${only.join(' or ')}`);
  const tree = join(mkdtempSync(join(tmpdir(), 'status-bus-breaks-')), 'tree');
  git('worktree', 'add', '--detach', tree, 'HEAD');
  symlinkSync(join(root, 'node_modules'), join(tree, 'node_modules'));
  const rows: string[] = [];
  let failures = 0;
  try {
    for (const b of chosen) {
      const path = join(tree, b.file);
      const original = readFileSync(path, 'utf8');
      const found = original.split(b.find).length - 1;
      if (found !== 1) {
        failures += 1;
        rows.push(`STALE   ${b.promise}: the passage occurs ${found} times in ${b.file}`);
        continue;
      }
      writeFileSync(
        path,
        original.replace(b.find, () => b.replace),
      );
      const started = Date.now();
      const report = join(tree, '..', 'jest.json');
      const hung = await runJest(tree, [...b.test, '--json', `--outputFile=${report}`], b.env);
      writeFileSync(path, original);
      const seconds = Math.round((Date.now() - started) / 1000);
      // A test that hangs on the broken code never passes: as a mutant that hangs, it is caught.
      const verdict = hung ? (rmSync(report, { force: true }), 'hangs') : judge(report);
      const shown = verdict === 'caught' || verdict === 'hangs';
      // A known gap that a test now closes is to be struck from the list, as much as a new gap.
      if (b.gap ? verdict !== 'MISSED' : !shown) failures += 1;
      const label = b.gap ? (shown ? 'CLOSED' : 'gap') : verdict;
      rows.push(`${label.padEnd(7)} ${b.promise} (${seconds} s; ${b.test.join(' ')})`);
      process.stdout.write(`${rows[rows.length - 1]}\n`);
    }
  } finally {
    git('worktree', 'remove', '--force', tree);
    rmSync(resolve(tree, '..'), { recursive: true, force: true });
  }
  process.stdout.write(
    `\n${rows.join('\n')}\n\n${failures} of ${chosen.length} breaks not as written down\n`,
  );
  return failures === 0 ? 0 : 1;
}

void main().then((code) => process.exit(code));
