import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock } from '../src/testing';
import { startBusApp } from './support/bus-app';

const DAY = 86_400_000;

/** The files of the folder, oldest first (the current file last), with their entries' actions. */
async function files(dir: string): Promise<{ name: string; actions: string[] }[]> {
  const names = (await readdir(dir)).filter((n) => n !== 'status.jsonl').sort();
  names.push('status.jsonl');
  return Promise.all(
    names.map(async (name) => ({
      name,
      actions: (await readFile(join(dir, name), 'utf8'))
        .split('\n')
        .filter(Boolean)
        .map((line) => (JSON.parse(line) as { action: string }).action),
    })),
  );
}

describe('JSONL rotation', () => {
  let dir: string;
  let path: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'status-bus-rotation-'));
    path = join(dir, 'status.jsonl');
  });

  it('starts a new file past maxBytes, losing no line, and reads them all back at start', async () => {
    const options = { persistPath: path, persistRotation: { maxBytes: 2000 }, maxEntries: 1000 };
    const first = await startBusApp(options);
    for (let i = 0; i < 100; i++) first.bus.post('exec', `step-${i}`, 'info');
    await first.bus.flush();
    const before = await first.bus.recent(100);
    await first.app.close();

    const written = await files(dir);
    expect(written.length).toBeGreaterThan(3);
    expect(written.at(-1)!.name).toBe('status.jsonl');
    expect(written.flatMap((f) => f.actions)).toEqual(before.map((e) => e.action));
    for (const file of written) {
      expect((await readFile(join(dir, file.name))).length).toBeLessThanOrEqual(2000);
    }

    const again = await startBusApp(options);
    expect((await again.bus.recent(100)).map((e) => e.toJSON())).toEqual(
      before.map((e) => e.toJSON()),
    );
    const next = await again.bus.postAsync('exec', 'after', 'ok');
    expect(next.seq).toBe(101);
    await again.app.close();
  });

  it('starts a new file on the first write of each day, by the bus’s clock', async () => {
    const clock = new ManualClock(Date.parse('2026-03-01T22:00:00Z'));
    const app = await startBusApp({
      persistPath: path,
      persistRotation: { daily: true },
      clock: clock.now,
    });
    for (const action of ['a', 'b', 'c']) app.bus.post('exec', action, 'info');
    await app.bus.flush();
    clock.advance(DAY);
    for (const action of ['d', 'e']) app.bus.post('exec', action, 'info');
    await app.bus.flush();
    await app.app.close();
    expect(await files(dir)).toEqual([
      { name: 'status.2026-03-02T22-00-00.000Z.jsonl', actions: ['a', 'b', 'c'] },
      { name: 'status.jsonl', actions: ['d', 'e'] },
    ]);
  });

  it('keeps only keepFiles rotated files', async () => {
    const app = await startBusApp({
      persistPath: path,
      persistRotation: { maxBytes: 1000, keepFiles: 2 },
    });
    for (let i = 0; i < 60; i++) await app.bus.postAsync('exec', `step-${i}`, 'info');
    await app.app.close();
    const written = await files(dir);
    expect(written).toHaveLength(3);
    expect(written.flatMap((f) => f.actions).at(-1)).toBe('step-59');
  });

  it('refuses rotation it cannot do, naming the option', async () => {
    await expect(startBusApp({ persistRotation: { maxBytes: 1000 } })).rejects.toThrow(
      'StatusBusModule option persistRotation needs persistPath: it rotates that file',
    );
    await expect(startBusApp({ persistPath: path, persistRotation: {} })).rejects.toThrow(
      'StatusBusModule option persistRotation needs maxBytes or daily: true',
    );
    await expect(
      startBusApp({ persistPath: path, persistRotation: { maxBytes: -1 } }),
    ).rejects.toThrow(/persistRotation.maxBytes must be a positive integer/);
  });
});
