import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { mkdtemp, readFile, writeFile, appendFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StatusBusService, StatusEntry } from '../src';
import { JsonlStatusLog } from '../src/persistence/jsonl-status-log';
import { startBusApp } from './support/bus-app';

async function lines(path: string): Promise<Record<string, unknown>[]> {
  return (await readFile(path, 'utf8'))
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

describe('JSONL persistence', () => {
  let dir: string;
  let path: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'status-bus-jsonl-'));
    path = join(dir, 'nested', 'folder', 'session.jsonl');
  });

  it('creates the folder and appends one wire-form line per entry, in post order (reference flaw 3)', async () => {
    const { app, bus } = await startBusApp({ persistPath: path });
    // Posts from many async contexts at once, mixing post and postAsync.
    await Promise.all(
      Array.from({ length: 200 }, async (_, i) => {
        await new Promise((r) => setImmediate(r));
        if (i % 2) bus.post('exec', `step${i}`, 'ok', { metadata: { i } });
        else await bus.postAsync('exec', `step${i}`, 'ok', { metadata: { i } });
      }),
    );
    await bus.flush();
    const written = await lines(path);
    const stored = await bus.recent(200);
    expect(written).toEqual(stored.map((e) => JSON.parse(JSON.stringify(e)) as unknown));
    expect(written.map((l) => l.seq)).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
    expect(Object.keys(written[0]!)).toEqual([
      'seq',
      'ts',
      'agent_id',
      'action',
      'status',
      'detail',
      'metadata',
      'room_id',
    ]);
    await app.close();
  });

  it('writes in batches, not once per entry', async () => {
    const writes = jest.spyOn(JsonlStatusLog.prototype, 'append');
    const { app, bus } = await startBusApp({ persistPath: path });
    for (let i = 0; i < 1000; i++) bus.post('exec', `s${i}`, 'ok');
    await bus.flush();
    expect((await lines(path)).length).toBe(1000);
    expect(writes.mock.calls.length).toBeGreaterThanOrEqual(1);
    expect(writes.mock.calls.length).toBeLessThanOrEqual(2);
    writes.mockRestore();
    await app.close();
  });

  it('answers postAsync only once its line is in the file, before delivery starts and after', async () => {
    const file = path;
    /** The last line of the file, once an awaited post of `action` has been answered. */
    const lastLineAfter = async (bus: StatusBusService, action: string) => {
      const stored = await bus.postAsync('exec', action, 'ok');
      return { stored, line: (await lines(file)).at(-1) };
    };
    let early: Awaited<ReturnType<typeof lastLineAfter>> | undefined;
    @Injectable()
    class EarlyAgent implements OnModuleInit {
      constructor(private readonly bus: StatusBusService) {}
      // Before the application has bootstrapped nothing is delivered, so only the file can
      // hold the answer back; nothing else waits, so the store takes the entry in the call.
      async onModuleInit() {
        early = await lastLineAfter(this.bus, 'early');
      }
    }
    const { app, bus } = await startBusApp({ persistPath: file }, { providers: [EarlyAgent] });
    try {
      expect(early!.line).toMatchObject({ seq: early!.stored.seq, action: 'early' });
      const late = await lastLineAfter(bus, 'late');
      expect(late.line).toMatchObject({ seq: late.stored.seq, action: 'late' });
    } finally {
      await app.close();
    }
  });

  it('reads the history back after a restart (reference flaw 1), positions continuing', async () => {
    const first = await startBusApp({ persistPath: path });
    first.bus.post('exec', 'before restart', 'completed', { detail: 'd', metadata: { k: [1] } });
    await first.app.close();

    const second = await startBusApp({ persistPath: path });
    const [restored] = await second.bus.recent();
    expect(restored).toMatchObject({
      seq: 1,
      action: 'before restart',
      detail: 'd',
      metadata: { k: [1] },
    });
    expect(await second.bus.hasCompleted('exec')).toBe(true);
    const next = await second.bus.postAsync('exec', 'after restart', 'ok');
    expect(next.seq).toBe(2);
    await second.app.close();
    expect((await lines(path)).map((l) => l.action)).toEqual(['before restart', 'after restart']);
  });

  it('skips a corrupt or truncated line with a warning naming it, and keeps the rest', async () => {
    const good = (n: number) =>
      JSON.stringify(
        new StatusEntry({
          seq: n,
          ts: '2026-11-24T06:39:28.979041+00:00',
          agentId: 'exec',
          action: `a${n}`,
          status: 'ok',
          detail: '',
          metadata: {},
        }),
      );
    // A reference line (no seq), a corrupt line, a line with an invalid status, then a line cut
    // short by a crash (no trailing newline).
    await writeFile(
      path.replace('nested/folder/', ''),
      `${good(1)}\n{"ts": "2026-11-24T06:39:29.000000+00:00", "agent_id": "system", "action": "ref", "status": "info", "detail": "", "metadata": {}}\nnot json\n{"ts":"2026-11-24T06:39:28Z","agent_id":"a","action":"b","status":"done"}\n${good(9).slice(0, 30)}`,
    );
    const file = path.replace('nested/folder/', '');
    const warnings: string[] = [];
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation((m: unknown) => {
      warnings.push(String(m));
    });
    const { app, bus } = await startBusApp({ persistPath: file });
    expect((await bus.recent()).map((e) => [e.seq, e.action])).toEqual([
      [1, 'a1'],
      [2, 'ref'],
    ]);
    expect(warnings.join('\n')).toMatch(/Skipped line 3 of .*session.jsonl: Unexpected token/);
    expect(warnings.join('\n')).toMatch(/Skipped line 4 .*status must be one of/);
    expect(warnings.join('\n')).toMatch(/Skipped line 5 /);
    // A new entry starts on a line of its own, after the damaged one.
    await bus.postAsync('exec', 'after crash', 'ok');
    await app.close();
    warn.mockRestore();
    const text = await readFile(file, 'utf8');
    expect(text.split('\n').at(-2)).toMatch(/^\{"seq":3,.*"after crash"/);
  });

  it('accepts a file written by the reference implementation', async () => {
    await appendFile(
      join(dir, 'ref.jsonl'),
      '{"ts": "2026-11-24T06:39:28.979041+00:00", "agent_id": "exec", "action": "search_google", "status": "ok", "detail": "Found 7 results", "metadata": {}}\n' +
        '{"ts": "2026-11-24T06:39:30.000001+00:00", "agent_id": "system", "action": "task_completed", "status": "completed", "detail": "Done in 48s", "metadata": {}}\n',
    );
    const { app, bus } = await startBusApp({ persistPath: join(dir, 'ref.jsonl') });
    expect(await bus.recentText()).toBe(
      '[06:39:28] exec: search_google \u2192 ok | Found 7 results\n[06:39:30] system: task_completed \u2192 completed | Done in 48s',
    );
    await app.close();
  });
});
