import { execFileSync } from 'node:child_process';
import { cpSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Applications that install the packed package as users do (fixtures/: each with its own
 * package.json and lockfile), shared by the consumer suites.
 */
export const ROOT = join(__dirname, '..', '..');

/** The first TypeScript block of the README's "A first application" section. */
export function readmeExample(): string {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('\n## A first application'));
  const match = /```ts\n([\s\S]*?)```/.exec(section);
  if (!match) throw new Error('README.md has no TypeScript block under "## A first application"');
  return match[1]!;
}

/** The README's one-line change of that example for a store (`**Or in Redis.**`), as written. */
export function readmeStoreLine(lead: string): string {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf(lead));
  const match = /```ts fragment\n([^\n]*)\n```/.exec(section);
  if (!match) throw new Error(`README.md has no one-line fragment after "${lead}"`);
  return match[1]!.trim().replace(/,$/, '');
}

export function sh(
  command: string,
  args: string[],
  cwd: string,
  env: NodeJS.ProcessEnv = {},
): string {
  return execFileSync(command, args, {
    cwd,
    env: { ...process.env, ...env },
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 300_000,
  });
}

/** Builds the package afresh and packs it into `work`; answers the tarball's path. */
export function packPackage(work: string): string {
  rmSync(join(ROOT, 'dist'), { recursive: true, force: true });
  sh('npm', ['run', 'build'], ROOT);
  sh('npm', ['pack', '--pack-destination', work], ROOT);
  return join(
    work,
    readdirSync(work).find((f) => f.endsWith('.tgz'))!,
  );
}

/**
 * Installs fixture `name` into `work` from its lockfile with the packed tarball, adds the
 * sources of app/ and `example` (by default the README's first example) as src/using-it.ts,
 * and compiles them.
 */
export function installFixture(
  work: string,
  name: string,
  tarball: string,
  example = readmeExample(),
): string {
  const dir = join(work, name);
  cpSync(join(__dirname, 'fixtures', name), dir, { recursive: true });
  cpSync(tarball, join(work, 'nest-status-bus.tgz'));
  // The lockfile pins every package but this one, whose tarball changes with every build.
  const lockPath = join(dir, 'package-lock.json');
  const lock = JSON.parse(readFileSync(lockPath, 'utf8')) as {
    packages: Record<string, { integrity?: string }>;
  };
  delete lock.packages['node_modules/nest-status-bus']!.integrity;
  writeFileSync(lockPath, JSON.stringify(lock, null, 2));
  sh('npm', ['ci', '--no-audit', '--no-fund'], dir);
  const src = join(dir, 'src');
  cpSync(join(__dirname, 'app'), src, { recursive: true });
  writeFileSync(join(src, 'using-it.ts'), example);
  // The applications without PostgreSQL's packages leave out the file that uses them.
  if (name === 'memory-only' || name === 'redis-only') rmSync(join(src, 'postgres.ts'));
  if (name === 'redis-only') rmSync(join(src, 'admin.ts'));
  sh(process.execPath, [join(dir, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', '.'], dir);
  return dir;
}
