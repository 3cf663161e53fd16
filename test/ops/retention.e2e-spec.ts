import { mkdtemp, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { Client } from 'pg';
import { ManualClock, STATUS_BACKEND, StatusEntry, StatusResumePointLostError } from '../../src';
import {
  PostgresStatusBackend,
  readStatusArchive,
  StatusArchiveError,
  StatusArchiveHeader,
  verifyStatusArchives,
} from '../../src/postgres';
import { BusApp } from '../support/bus-app';
import { sharedDatabase } from '../support/shared-database';
import { migratedDataSource } from '../support/test-database';

const DAY = 86_400_000;

/** Noon (UTC) of the day after the day after tomorrow: a day whose partition already exists. */
function noonInTwoDays(): number {
  const today = Date.UTC(
    new Date().getUTCFullYear(),
    new Date().getUTCMonth(),
    new Date().getUTCDate(),
  );
  return today + 2 * DAY + DAY / 2;
}

function partitionsOf(app: BusApp): PostgresStatusBackend {
  return app.app.get<PostgresStatusBackend>(STATUS_BACKEND);
}

/** The entries of an archive, and its header. */
async function readBack(
  path: string,
): Promise<{ header: StatusArchiveHeader; entries: StatusEntry[] }> {
  const items = [];
  for await (const item of readStatusArchive(path)) items.push(item);
  return { header: items[0] as StatusArchiveHeader, entries: items.slice(1) as StatusEntry[] };
}

describe('retention on PostgreSQL', () => {
  const shared = sharedDatabase('retention');

  it('drops whole days past the horizon, archived first and chained, and says so to readers behind it', async () => {
    const clock = new ManualClock(noonInTwoDays());
    const archiveDir = await mkdtemp(join(tmpdir(), 'status-bus-archives-'));
    const a = await shared.start({ clock: clock.now, retention: { keep: '2 days', archiveDir } });
    const partitions = partitionsOf(a).partitions!;
    await partitions.maintain();

    const post = (n: number, day: string) =>
      Array.from({ length: n }, (_, i) => a.bus.post('exec', `${day}-${i}`, 'info'));
    post(10, 'd0');
    clock.advance(DAY);
    post(10, 'd1');
    clock.advance(3 * DAY);
    post(5, 'd4');
    await a.bus.flush();
    const before = await a.bus.recent(25);
    await shared.db.query(
      `INSERT INTO status_bus_voice_checkpoints (room_id, session_id, last_seq) VALUES ('default', 's1', 3)`,
    );

    const report = await partitions.maintain();
    expect(report!.ran).toBe(true);
    expect(report!.dropped.reduce((sum, d) => sum + d.rows, 0)).toBe(20);
    expect((await a.bus.recent(100)).map((e) => e.action)).toEqual(
      before.slice(20).map((e) => e.action),
    );
    expect(await a.bus.oldestSeq()).toBe(before[20]!.seq);
    await expect(a.bus.entriesAfter(before[0]!.seq!)).rejects.toThrow(StatusResumePointLostError);
    expect(await shared.db.query('SELECT * FROM status_bus_voice_checkpoints')).toEqual([]);

    // The archives hold what was dropped, in the wire form, and chain into one another.
    const checked = await verifyStatusArchives(archiveDir);
    expect(checked.entries).toBe(20);
    expect([checked.firstSeq, checked.lastSeq]).toEqual([before[0]!.seq, before[19]!.seq]);
    const archived: StatusEntry[] = [];
    for (const file of checked.files)
      archived.push(...(await readBack(join(archiveDir, file))).entries);
    expect(archived.map((e) => e.toJSON())).toEqual(before.slice(0, 20).map((e) => e.toJSON()));

    // An edited archive breaks the chain at the next one.
    const files = await readdir(archiveDir);
    const withRows = [];
    for (const file of files.sort()) {
      const { header, entries } = await readBack(join(archiveDir, file));
      if (header.rows > 0) withRows.push({ file, header, entries });
    }
    const first = withRows[0]!;
    const edited = [
      first.header,
      ...first.entries.map((e) => ({ ...e.toJSON(), detail: 'edited' })),
    ];
    await writeFile(
      join(archiveDir, first.file),
      gzipSync(edited.map((line) => JSON.stringify(line)).join('\n') + '\n'),
    );
    await expect(verifyStatusArchives(archiveDir)).rejects.toThrow(StatusArchiveError);
    await expect(verifyStatusArchives(archiveDir)).rejects.toThrow(
      /does not follow the archive before it/,
    );
  });

  it('goes on appending while a day is dropped, losing no post', async () => {
    const clock = new ManualClock(noonInTwoDays());
    const a = await shared.start({ clock: clock.now, retention: { keep: '1 day' } });
    const partitions = partitionsOf(a).partitions!;
    await partitions.maintain();
    for (let i = 0; i < 2000; i++) a.bus.post('exec', `old-${i}`, 'info');
    await a.bus.flush();
    clock.advance(3 * DAY);
    const posting = Promise.all(
      Array.from({ length: 200 }, (_, i) => a.bus.postAsync('exec', `new-${i}`, 'info')),
    );
    const [report] = await Promise.all([partitions.maintain(), posting]);
    expect(report!.dropped.reduce((sum, d) => sum + d.rows, 0)).toBe(2000);
    const kept = await a.bus.recent(1000);
    expect(kept.map((e) => e.action)).toEqual(Array.from({ length: 200 }, (_, i) => `new-${i}`));
  });

  it('tells, in a log line and a counter, of an instance that fell behind the horizon', async () => {
    const clock = new ManualClock(noonInTwoDays());
    const a = await shared.start({ clock: clock.now, retention: { keep: '1 day' } });
    // B hears of nobody's appends (another channel) and polls rarely: it falls behind.
    const b = await shared.start({
      clock: clock.now,
      postgres: { channel: 'status_bus_elsewhere', pollIntervalMs: 600_000 },
    });
    const seenByB: string[] = [];
    await b.bus.subscribe((entry) => void seenByB.push(entry.action));
    // Delivered once B has caught up with the store as it started.
    await b.bus.postAsync('exec', 'hello', 'info');
    for (let i = 0; i < 20; i++) a.bus.post('exec', `old-${i}`, 'info');
    await a.bus.flush();
    clock.advance(3 * DAY);
    const report = await partitionsOf(a).partitions!.maintain();
    // B's 'hello' and A's 20, all of the same day.
    expect(report!.dropped.reduce((sum, d) => sum + d.rows, 0)).toBe(21);
    expect(a.bus.stats().removedEntries).toBe(21);

    await b.bus.postAsync('exec', 'new', 'info');
    expect(seenByB).toEqual(['hello', 'new']);
    expect(b.bus.stats().behindHorizon).toBe(1);
  });

  it('lets one instance at a time maintain the partitions', async () => {
    const a = await shared.start({ retention: { keep: '30 days' } });
    const partitions = partitionsOf(a).partitions!;
    await partitions.maintain();
    const other = new Client({ connectionString: shared.db.url });
    await other.connect();
    try {
      await other.query(
        `SELECT pg_advisory_lock(1937072468, 'status_bus_entries'::regclass::oid::int)`,
      );
      expect((await partitions.maintain())!.ran).toBe(false);
      await other.query(
        `SELECT pg_advisory_unlock(1937072468, 'status_bus_entries'::regclass::oid::int)`,
      );
      expect((await partitions.maintain())!.ran).toBe(true);
    } finally {
      await other.end();
    }
  });

  it('converts a populated table to partitions with its rows, positions and order intact', async () => {
    const source = await migratedDataSource(shared.db.url, 8);
    await source.destroy();
    const plain = await shared.start({ postgres: { migrationsRun: false } });
    for (let day = 0; day < 3; day++) {
      for (let i = 0; i < 50; i++)
        plain.bus.post(`agent${i % 3}`, `step-${day}-${i}`, 'info', { roomId: `room${i % 4}` });
    }
    await plain.bus.flush();
    const before = await plain.bus.entriesAfter(0, 1000);
    await shared.stop(plain);
    const [was] = await shared.db.query<{ kind: string }>(
      `SELECT relkind AS kind FROM pg_class WHERE oid = 'status_bus_entries'::regclass`,
    );
    expect(was?.kind).toBe('r');

    const converted = await shared.start();
    const [now] = await shared.db.query<{ kind: string }>(
      `SELECT relkind AS kind FROM pg_class WHERE oid = 'status_bus_entries'::regclass`,
    );
    expect(now?.kind).toBe('p');
    expect((await converted.bus.entriesAfter(0, 1000)).map((e) => e.toJSON())).toEqual(
      before.map((e) => e.toJSON()),
    );
    const next = await converted.bus.postAsync('exec', 'after', 'ok');
    expect(next.seq).toBe(before.at(-1)!.seq! + 1);
    // A retried append (same entry, same time) is still refused as a duplicate.
    const again = await shared.db.query<{ seq: string }>(
      `SELECT * FROM status_bus_append(json_build_array(json_build_object(
         'entry_id', $1::uuid, 'ts', $2::timestamptz, 'agent_id', 'a', 'action', 'b',
         'status', 'ok', 'detail', '', 'metadata', '{}'::json)), NULL, 'status_bus')`,
      [before[0]!.id, before[0]!.ts],
    );
    expect(again).toEqual([]);
  });

  it('refuses retention without PostgreSQL, and a duration it cannot read', async () => {
    await expect(shared.start({ retention: { keep: 'a while' } })).rejects.toThrow(
      /retention.keep must be a duration such as '30 days'/,
    );
  });
});
