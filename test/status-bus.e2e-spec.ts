import { Injectable, Logger, LogLevel, Module, OnModuleInit } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import {
  InMemoryStatusBackend,
  InvalidStatusEntryError,
  InvalidStatusQueryError,
  StatusBackend,
  StatusBusClosedError,
  StatusBusModule,
  StatusBusService,
  StatusEntry,
  StatusFilter,
} from '../src';
import { BusApp, startBusApp } from './support/bus-app';

describe('StatusBusService on the in-memory backend', () => {
  let ctx: BusApp;
  beforeEach(async () => {
    ctx = await startBusApp();
  });
  afterEach(async () => {
    await ctx.app.close();
  });

  it('returns the posted entry at once and stores it with a position', async () => {
    const posted = ctx.bus.post('exec', 'search_google', 'ok', { detail: 'Found 7 results' });
    expect(posted).toMatchObject({
      agentId: 'exec',
      action: 'search_google',
      status: 'ok',
      detail: 'Found 7 results',
    });
    await ctx.bus.flush();
    const [stored] = await ctx.bus.recent(1);
    expect(stored).toMatchObject({
      id: posted.id,
      seq: 1,
      ts: posted.ts,
      detail: 'Found 7 results',
    });
  });

  it('gives postAsync callers the stored entry with its seq, positions growing in post order', async () => {
    const a = await ctx.bus.postAsync('exec', 'a', 'ok');
    ctx.bus.post('exec', 'b', 'ok');
    const c = await ctx.bus.postAsync('exec', 'c', 'ok');
    expect([a.seq, c.seq]).toEqual([1, 3]);
    expect((await ctx.bus.recent()).map((e) => e.action)).toEqual(['a', 'b', 'c']);
  });

  it('applies filters first, then takes the last n, oldest first', async () => {
    const plan: [string, string, 'ok' | 'failed' | 'completed'][] = [
      ['exec', 'e1', 'ok'],
      ['voice', 'v1', 'ok'],
      ['exec', 'e2', 'failed'],
      ['exec', 'e3', 'ok'],
      ['voice', 'v2', 'completed'],
      ['exec', 'e4', 'ok'],
    ];
    for (const [agent, action, status] of plan) ctx.bus.post(agent, action, status);
    await ctx.bus.flush();
    const actions = async (n: number, filter?: StatusFilter) =>
      (await ctx.bus.recent(n, filter)).map((e) => e.action);
    expect(await actions(2)).toEqual(['v2', 'e4']);
    expect(await actions(2, { agentId: 'exec' })).toEqual(['e3', 'e4']);
    expect(await actions(10, { status: 'ok' })).toEqual(['e1', 'v1', 'e3', 'e4']);
    expect(await actions(10, { agentId: 'exec', status: 'ok' })).toEqual(['e1', 'e3', 'e4']);
    expect(await actions(10, { agentId: 'nobody' })).toEqual([]);
  });

  it('defaults recent and recentText to the last 10 entries', async () => {
    for (let i = 1; i <= 12; i++) ctx.bus.post('exec', `step${i}`, 'ok');
    await ctx.bus.flush();
    expect((await ctx.bus.recent()).map((e) => e.action)[0]).toBe('step3');
    expect((await ctx.bus.recentText()).split('\n')).toHaveLength(10);
  });

  it('prints recent activity in the reference format', async () => {
    expect(await ctx.bus.recentText()).toBe('No activity yet.');
    const entry = await ctx.bus.postAsync('system', 'task_completed', 'completed', {
      detail: 'Done in 48s',
    });
    await ctx.bus.postAsync('exec', 'click_result', 'ok');
    const time = entry.ts.slice(11, 19);
    expect(await ctx.bus.recentText(5)).toMatch(
      new RegExp(
        `^\\[${time}\\] system: task_completed \u2192 completed \\| Done in 48s\\n\\[\\d\\d:\\d\\d:\\d\\d\\] exec: click_result \u2192 ok$`,
      ),
    );
  });

  it('summarises the session in the reference layout', async () => {
    expect(await ctx.bus.summary()).toBe('No status entries.');
    ctx.bus.post('exec', 'search_google', 'ok', {
      detail: 'Found 15 text elements on results page',
    });
    ctx.bus.post('system', 'task_completed', 'completed', { detail: 'Duration: 48303ms' });
    await ctx.bus.flush();
    expect(await ctx.bus.summary()).toBe(
      [
        'Status Log',
        '='.repeat(60),
        '   1. [+] exec   search_google',
        '      Found 15 text elements on results page',
        '   2. [*] system task_completed',
        '      Duration: 48303ms',
        '',
        '  Total: 2 entries (1 ok, 0 fail, 1 done)',
      ].join('\n'),
    );
  });

  it('rejects bad input synchronously, naming it, and loses nothing already accepted', async () => {
    ctx.bus.post('exec', 'kept', 'ok');
    expect(() => ctx.bus.post('exec', 'x', 'bogus' as never)).toThrow(InvalidStatusEntryError);
    expect(() => ctx.bus.post('', 'x', 'ok')).toThrow(/agent_id must be a non-empty string/);
    const circular: Record<string, unknown> = {};
    circular.me = circular;
    expect(() => ctx.bus.post('exec', 'x', 'ok', { metadata: circular })).toThrow(/circular/);
    expect(() => ctx.bus.post('exec', 'x', 'ok', { detail: 'x'.repeat(1_000_000) })).toThrow(
      /detail is 1000000 characters long/,
    );
    await expect(ctx.bus.postAsync('exec', 'x', 'nope' as never)).rejects.toThrow(
      /status must be one of/,
    );
    ctx.bus.post('exec', 'kept too', 'ok');
    await ctx.bus.flush();
    expect((await ctx.bus.recent(10)).map((e) => e.action)).toEqual(['kept', 'kept too']);
  });

  it('rejects bad queries with errors naming the parameter', async () => {
    await expect(ctx.bus.recent(0)).rejects.toThrow(InvalidStatusQueryError);
    await expect(ctx.bus.recent(1.5)).rejects.toThrow(/n must be an integer from 1 to 10000/);
    await expect(ctx.bus.recent(5, { status: 'done' as never })).rejects.toThrow(
      /status must be one of/,
    );
    await expect(ctx.bus.subscribe('nope' as never)).rejects.toThrow(/callback must be a function/);
  });

  it('knows of a completion however long ago it was (reference flaw 6)', async () => {
    ctx.bus.post('exec', 'first task', 'completed');
    for (let i = 0; i < 600; i++) ctx.bus.post('other', `task ${i}`, 'completed');
    await ctx.bus.flush();
    expect(await ctx.bus.recent(1000)).toHaveLength(500);
    expect(await ctx.bus.hasCompleted('exec')).toBe(true);
    expect(await ctx.bus.hasCompleted()).toBe(true);
    expect(await ctx.bus.hasCompleted('voice')).toBe(false);
  });

  it('refuses posts after close, having flushed everything before it (reference flaw 7)', async () => {
    const seen: string[] = [];
    await ctx.bus.subscribe((e) => {
      seen.push(e.action);
    });
    for (let i = 0; i < 100; i++) ctx.bus.post('exec', `p${i}`, 'ok');
    await ctx.bus.close();
    expect(seen).toHaveLength(100);
    expect(() => ctx.bus.post('exec', 'late', 'ok')).toThrow(StatusBusClosedError);
    await expect(ctx.bus.postAsync('exec', 'late', 'ok')).rejects.toThrow(/closed/);
    expect(seen).toHaveLength(100);
  });

  it('logs the summary through Nest’s logger', async () => {
    const logged: string[] = [];
    ctx.app.useLogger({ log: (m: string) => logged.push(m), error: () => 0, warn: () => 0 });
    await ctx.bus.postAsync('exec', 'a', 'ok');
    await ctx.bus.printSummary();
    expect(logged.join('\n')).toContain('   1. [+] exec   a');
  });
});

describe('StatusBusModule', () => {
  it('keeps the last 500 entries in memory when given no options', async () => {
    const { app, bus } = await startBusApp();
    for (let i = 0; i < 520; i++) bus.post('exec', `s${i}`, 'ok');
    await bus.flush();
    const kept = await bus.recent(10_000);
    expect(kept).toHaveLength(500);
    expect(kept[0]!.action).toBe('s20');
    await app.close();
  });

  it('takes options from forRootAsync with injected dependencies', async () => {
    const LIMIT = 'LIMIT';
    @Module({ providers: [{ provide: LIMIT, useValue: 3 }], exports: [LIMIT] })
    class ConfigModule {}
    const moduleRef = await Test.createTestingModule({
      imports: [
        StatusBusModule.forRootAsync({
          imports: [ConfigModule],
          inject: [LIMIT],
          useFactory: (maxEntries: number) => ({ maxEntries }),
        }),
      ],
    }).compile();
    const app = await moduleRef.createNestApplication({ logger: false }).init();
    const bus = app.get(StatusBusService);
    for (let i = 0; i < 5; i++) bus.post('exec', `s${i}`, 'ok');
    await bus.flush();
    expect((await bus.recent(10)).map((e) => e.action)).toEqual(['s2', 's3', 's4']);
    await app.close();
  });

  it('makes the service injectable everywhere with isGlobal', async () => {
    @Injectable()
    class ExecAgent {
      constructor(readonly bus: StatusBusService) {}
    }
    @Module({ providers: [ExecAgent] })
    class AgentsModule {}
    const moduleRef = await Test.createTestingModule({
      imports: [StatusBusModule.forRoot({ isGlobal: true }), AgentsModule],
    }).compile();
    const app = await moduleRef.createNestApplication({ logger: false }).init();
    expect(app.get(ExecAgent).bus).toBe(app.get(StatusBusService));
    await app.close();
  });

  it('refuses to start with an invalid option, naming it', async () => {
    await expect(startBusApp({ maxEntries: 0 })).rejects.toThrow(
      /option maxEntries must be a positive integer, got a number \(0\)/,
    );
    await expect(startBusApp({ subscriberTimeoutMs: -1 })).rejects.toThrow(/subscriberTimeoutMs/);
    await expect(startBusApp({ backend: {} as StatusBackend })).rejects.toThrow(
      /backend must extend StatusBackend/,
    );
    await expect(startBusApp({ postgres: {} })).rejects.toThrow(
      /exactly one of url .* or dataSource/,
    );
  });

  it('retries through append an in-process append that failed, storing the entry once', async () => {
    class FlakyBackend extends InMemoryStatusBackend {
      failures = 1;
      override appendNow(entries: readonly StatusEntry[]): StatusEntry[] {
        if (this.failures-- > 0) throw new Error('store busy');
        return super.appendNow(entries);
      }
    }
    const backend = new FlakyBackend();
    const { app, bus } = await startBusApp({ backend });
    try {
      const stored = await bus.postAsync('exec', 'a', 'ok');
      expect(stored.seq).toBe(1);
      expect(bus.stats()).toMatchObject({ failedAppends: 1, stored: 1 });
      expect((await bus.recent(10)).map((e) => e.id)).toEqual([stored.id]);
    } finally {
      await app.close();
    }
  });

  it('uses a user-written backend given in the options', async () => {
    class RecordingBackend extends InMemoryStatusBackend {
      appended: StatusEntry[] = [];
      override async append(entries: readonly StatusEntry[]): Promise<StatusEntry[]> {
        const stored = await super.append(entries);
        this.appended.push(...stored);
        return stored;
      }
    }
    const backend = new RecordingBackend();
    const { app, bus } = await startBusApp({ backend });
    await bus.postAsync('exec', 'a', 'ok');
    expect(backend.appended.map((e) => e.action)).toEqual(['a']);
    await app.close();
  });

  it('stores and delivers entries posted from constructors and onModuleInit (reference flaw 2)', async () => {
    const seen: string[] = [];
    @Injectable()
    class EarlyAgent implements OnModuleInit {
      constructor(private readonly bus: StatusBusService) {
        bus.post('exec', 'from constructor', 'info');
      }
      async onModuleInit() {
        await this.bus.subscribe((e) => {
          seen.push(e.action);
        });
        this.bus.post('exec', 'from onModuleInit', 'info');
        await this.bus.postAsync('exec', 'awaited in onModuleInit', 'info');
      }
    }
    const { app, bus } = await startBusApp({}, { providers: [EarlyAgent] });
    await bus.flush();
    expect((await bus.recent()).map((e) => e.action)).toEqual([
      'from constructor',
      'from onModuleInit',
      'awaited in onModuleInit',
    ]);
    expect(seen).toEqual(['from constructor', 'from onModuleInit', 'awaited in onModuleInit']);
    await app.close();
  });

  it('logs posts at debug level only (reference flaw 10)', async () => {
    const countPostLogs = async (levels: LogLevel[]) => {
      const calls: string[] = [];
      const record = (m: unknown, ..._rest: unknown[]) => {
        if (String(m).startsWith('posted ')) calls.push(String(m));
      };
      const spies = (['log', 'debug', 'verbose'] as const).map((level) =>
        jest.spyOn(Logger.prototype, level).mockImplementation(record),
      );
      const moduleRef = await Test.createTestingModule({
        imports: [StatusBusModule.forRoot()],
      }).compile();
      const app = await moduleRef.createNestApplication({ logger: levels }).init();
      for (let i = 0; i < 50; i++) app.get(StatusBusService).post('exec', `s${i}`, 'ok');
      await app.close();
      spies.forEach((s) => s.mockRestore());
      return calls.length;
    };
    expect(await countPostLogs(['log', 'warn', 'error'])).toBe(0);
    expect(await countPostLogs(['debug', 'log', 'warn', 'error'])).toBe(50);
  });

  it('closes the bus when the application closes', async () => {
    const { app, bus } = await startBusApp();
    bus.post('exec', 'a', 'ok');
    await app.close();
    expect(() => bus.post('exec', 'b', 'ok')).toThrow(StatusBusClosedError);
  });
});
