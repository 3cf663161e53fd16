import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { Client } from 'pg';
import { STATUS_BACKEND, StatusEntry, StatusResumePointLostError } from '../../src';
import { ManualClock } from '../../src/testing';
import {
  PostgresStatusBackend,
  readStatusArchive,
  StatusArchiveError,
  StatusArchiveHeader,
  verifyStatusArchives,
} from '../../src/postgres';
import { archiveFileName } from '../../src/retention/status-archive';
import { BusApp } from '../support/bus-app';
import { sharedDatabase } from '../support/shared-database';
import { migratedDataSource } from '../support/test-database';

const DAY = 86_400_000;
const MINUTE = 60_000;

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

  /** An instance on the test's clock, keeping `keep`, archiving to a folder of its own. */
  const archiving = async (keep: string) => {
    const clock = new ManualClock(Date.now());
    const archiveDir = await mkdtemp(join(tmpdir(), 'status-bus-archives-'));
    const a = await shared.start({
      clock: clock.now,
      retention: { keep, archiveDir },
      postgres: { partitionSize: 10 },
    });
    const partitions = partitionsOf(a);
    await partitions.maintain();
    return { clock, archiveDir, a, partitions };
  };

  it('drops whole partitions the log moved past before the horizon, archived first and chained, and says so to readers behind it', async () => {
    const { clock, archiveDir, a, partitions } = await archiving('2 days');

    // A day's entries fill a partition; each pass samples the newest position.
    const post = async (n: number, day: string) => {
      for (let i = 0; i < n; i++) a.bus.post('exec', `${day}-${i}`, 'info');
      await a.bus.flush();
      await partitions.maintain();
    };
    await post(10, 'd0');
    clock.advance(DAY);
    await post(10, 'd1');
    clock.advance(3 * DAY);
    await a.bus.postAsync('exec', 'd4-0', 'info');
    const before = await a.bus.recent(25);
    expect(before.map((e) => e.seq)).toEqual(Array.from({ length: 21 }, (_, i) => i + 1));
    await shared.db.query(
      `INSERT INTO status_bus_voice_checkpoints (room_id, session_id, last_seq) VALUES ('default', 's1', 3)`,
    );
    // A part that keeps rows beside the log registers what retention removes of them.
    const horizons: Date[] = [];
    const unhook = partitions.sql.onRetention!(async (horizon) => void horizons.push(horizon));

    const report = await partitions.maintain();
    unhook();
    expect(horizons).toEqual([new Date(clock.now() - 2 * DAY)]);
    expect(report!.ran).toBe(true);
    // The partitions of d0 and d1 (and the empty first one); d4's stays.
    expect(report!.dropped.map((d) => d.rows)).toEqual([0, 10, 10]);
    expect(a.bus.stats()).toMatchObject({ removedPartitions: 3, removedEntries: 20 });
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

    // The newest archive, which no later one names, is checked against the database's record:
    // edited, truncated, not gzip at all, or missing, each is named.
    const recorded = await partitionsOf(a).archiveRecords();
    expect(recorded.map((r) => basename(r.file))).toEqual(checked.files);
    await verifyStatusArchives(archiveDir, { recorded });
    const newest = join(archiveDir, checked.files.at(-1)!);
    const original = await readFile(newest);
    const lines = gunzipSync(original).toString().split('\n');
    const damaged: [string, Buffer, RegExp][] = [
      ['edited', gzipSync(lines.map((l) => l.replace('"d1-9"', '"d1-X"')).join('\n')), /edited/],
      ['truncated', original.subarray(0, original.length - 12), /cannot be read as an archive/],
      ['not gzip', Buffer.from('plain text'), /cannot be read as an archive/],
    ];
    const name = basename(newest).replace(/\./g, '\\.');
    for (const [, bytes, message] of damaged) {
      await writeFile(newest, bytes);
      const failure = verifyStatusArchives(archiveDir, { recorded });
      await expect(failure).rejects.toThrow(StatusArchiveError);
      await expect(failure).rejects.toThrow(new RegExp(`^${name} .*${message.source}`));
    }
    await rm(newest);
    await expect(verifyStatusArchives(archiveDir, { recorded })).rejects.toThrow(
      `${basename(newest)} is recorded in the database but missing`,
    );
    await writeFile(newest, original);

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

  it('fails a pass whose archive cannot be written, without taking the process down, and archives once it can', async () => {
    const { clock, archiveDir, a, partitions } = await archiving('1 day');
    for (let i = 0; i < 10; i++) a.bus.post('exec', `old-${i}`, 'info');
    await a.bus.flush();
    await partitions.maintain();
    clock.advance(2 * DAY);
    await a.bus.postAsync('exec', 'new', 'info');
    // A directory where each archive's file would go: opening it fails (EISDIR), as an
    // unwritable folder or a read-only disk would.
    const names = await shared.db.query<{ name: string; from: number | null }>(
      `SELECT name, from_seq::float8 AS "from" FROM status_bus_entries_partitions()`,
    );
    const blocked = names.map((p) =>
      join(archiveDir, `${archiveFileName(p.from ?? 0, p.name)}.partial`),
    );
    await Promise.all(blocked.map((path) => mkdir(path)));

    expect(await partitions.maintain()).toBeUndefined();
    expect(await a.bus.oldestSeq()).toBe(1); // nothing dropped unarchived
    expect((await a.bus.postAsync('exec', 'still here', 'info')).action).toBe('still here');
    // Failing pass after pass: counted, and told by health, while it keeps retrying.
    expect(a.bus.health().state).toBe('up');
    await partitions.maintain();
    await partitions.maintain();
    expect(a.bus.stats().failedMaintenance).toBe(3);
    expect(a.bus.health()).toMatchObject({
      state: 'degraded',
      problems: [
        expect.stringMatching(/maintenance has failed 3 passes in a row \(last: .*EISDIR/),
      ],
    });

    await Promise.all(blocked.map((path) => rm(path, { recursive: true })));
    const report = await partitions.maintain();
    expect(report!.dropped.map((d) => d.rows)).toEqual([0, 10]);
    expect((await verifyStatusArchives(archiveDir)).entries).toBe(10);
    expect(a.bus.health().state).toBe('up');
  });

  it('finishes a detach a long reader left pending, and keeps the archive chain whole', async () => {
    const { clock, archiveDir, a, partitions } = await archiving('1 day');
    for (let day = 0; day < 2; day++) {
      for (let i = 0; i < 10; i++) a.bus.post('exec', `day${day}-${i}`, 'info');
      await a.bus.flush();
      await partitions.maintain();
      clock.advance(DAY);
    }
    clock.advance(DAY);
    await a.bus.postAsync('exec', 'new', 'info');
    // A reader in a transaction that outlasts the maintenance's lock timeout: the concurrent
    // detach gives up halfway and leaves its partition pending detach.
    const reader = new Client({ connectionString: shared.db.url });
    await reader.connect();
    try {
      await reader.query('BEGIN ISOLATION LEVEL REPEATABLE READ');
      await reader.query('SELECT count(*) FROM status_bus_entries');
      expect(await partitions.maintain()).toBeUndefined();
    } finally {
      await reader.query('ROLLBACK');
      await reader.end();
    }
    const pending = await shared.db.query(
      `SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
        WHERE i.inhdetachpending`,
    );
    expect(pending).toHaveLength(1);

    const report = await partitions.maintain();
    expect(report!.ran).toBe(true);
    expect(a.bus.stats().removedEntries).toBe(20);
    expect(await a.bus.oldestSeq()).toBe(21);
    const checked = await verifyStatusArchives(archiveDir);
    expect([checked.entries, checked.firstSeq, checked.lastSeq]).toEqual([20, 1, 20]);
  }, 60_000);

  it('keeps an entry stored exactly `keep` ago, and drops it a moment later', async () => {
    const { clock, a, partitions } = await archiving('1 day');
    for (let i = 0; i < 10; i++) a.bus.post('exec', `old-${i}`, 'info');
    await a.bus.flush();
    await partitions.maintain(); // samples the newest position at the time they were stored
    clock.advance(DAY);
    await a.bus.postAsync('exec', 'new', 'info');
    await partitions.maintain();
    expect(await a.bus.oldestSeq()).toBe(1);
    clock.advance(1);
    await partitions.maintain();
    expect(await a.bus.oldestSeq()).toBe(11);
  });

  it('goes on appending while a partition is dropped, losing no post', async () => {
    const clock = new ManualClock(Date.now());
    const a = await shared.start({
      clock: clock.now,
      retention: { keep: '1 day' },
      postgres: { partitionSize: 1000 },
    });
    const partitions = partitionsOf(a);
    for (let i = 0; i < 2000; i++) a.bus.post('exec', `old-${i}`, 'info');
    await a.bus.flush();
    await partitions.maintain();
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
    const clock = new ManualClock(Date.now());
    const a = await shared.start({
      clock: clock.now,
      retention: { keep: '1 day' },
      postgres: { partitionSize: 7 },
    });
    // B hears of nobody's appends (another channel) and polls rarely: it falls behind.
    const b = await shared.start({
      clock: clock.now,
      postgres: { channel: 'status_bus_elsewhere', pollIntervalMs: 600_000, partitionSize: 7 },
    });
    const seenByB: string[] = [];
    await b.bus.subscribe((entry) => void seenByB.push(entry.action));
    // Delivered once B has caught up with the store as it started.
    await b.bus.postAsync('exec', 'hello', 'info');
    for (let i = 0; i < 20; i++) a.bus.post('exec', `old-${i}`, 'info');
    await a.bus.flush();
    // B's pass from its start is over (one instance at a time samples), then A samples.
    await partitionsOf(b).maintain();
    await partitionsOf(a).maintain();
    clock.advance(3 * DAY);
    const report = await partitionsOf(a).maintain();
    // B's 'hello' and A's 20: three partitions of 7.
    expect(report!.dropped.reduce((sum, d) => sum + d.rows, 0)).toBe(21);
    expect(a.bus.stats().removedEntries).toBe(21);

    await b.bus.postAsync('exec', 'new', 'info');
    expect(seenByB).toEqual(['hello', 'new']);
    expect(b.bus.stats().behindHorizon).toBe(1);
  });

  it('adds partitions ahead of steady appends before they need them', async () => {
    const a = await shared.start({ postgres: { partitionSize: 20 } });
    // One at a time, far past the 60 positions kept ready at start.
    for (let i = 0; i < 200; i++) await a.bus.postAsync('exec', `step-${i}`, 'info');
    // No append failed for want of room (it would have been retried), so no position was spent
    // on one.
    expect(a.bus.stats().failedAppends).toBe(0);
    expect((await a.bus.recent(200)).map((e) => e.seq)).toEqual(
      Array.from({ length: 200 }, (_, i) => i + 1),
    );
  });

  it('reads the newest entries below the newest partitions when those hold too few', async () => {
    const a = await shared.start({ postgres: { partitionSize: 5 } });
    const partitions = partitionsOf(a);
    const rare = await a.bus.postAsync('voice', 'greeted', 'info');
    for (let i = 0; i < 29; i++) a.bus.post('exec', `step-${i}`, 'info');
    await a.bus.flush();
    await partitions.maintain();
    // The newest entries' partition starts above the rare entry: the read must go on below.
    const [newest] = await shared.db.query<{ from: string }>(
      `SELECT max(from_seq) AS from FROM status_bus_entries_partitions()
        WHERE from_seq <= (SELECT max(seq) FROM status_bus_entries)`,
    );
    expect(Number(newest!.from)).toBeGreaterThan(rare.seq!);
    expect((await a.bus.recent(3, { agentId: 'voice' })).map((e) => e.seq)).toEqual([rare.seq]);
    expect((await a.bus.recent(30)).map((e) => e.action)).toEqual([
      'greeted',
      ...Array.from({ length: 29 }, (_, i) => `step-${i}`),
    ]);
  });

  it('stores appends that outrun the partitions kept ready, adding partitions as they come', async () => {
    const a = await shared.start({ postgres: { partitionSize: 5 } });
    // One batch of 200: far past the 15 positions kept ready.
    const stored = await Promise.all(
      Array.from({ length: 200 }, (_, i) => a.bus.postAsync('exec', `burst-${i}`, 'info')),
    );
    const seqs = stored.map((e) => e.seq!);
    expect(seqs.every((seq, i) => i === 0 || seq > seqs[i - 1]!)).toBe(true);
    const [parts] = await shared.db.query<{ count: string }>(
      'SELECT count(*) AS count FROM status_bus_entries_partitions()',
    );
    expect(Number(parts!.count)).toBeGreaterThanOrEqual(41);
    expect((await a.bus.recent(3)).map((e) => e.action)).toEqual([
      'burst-197',
      'burst-198',
      'burst-199',
    ]);
  });

  it('recognises a retried batch as stored, however many samples of the log were taken since it was made', async () => {
    const clock = new ManualClock(Date.now());
    const a = await shared.start({ clock: clock.now, postgres: { partitionSize: 10 } });
    const backend = partitionsOf(a);
    await backend.maintain();
    clock.advance(30 * MINUTE);
    const batch = [StatusEntry.create('exec', 'a', 'ok', {}, { clock: clock.now })];
    const [first] = await backend.append(batch);
    // Later passes sample positions above the entry's: the retry must still look below them.
    for (let i = 0; i < 25; i++) a.bus.post('exec', `later-${i}`, 'info');
    await a.bus.flush();
    for (let i = 0; i < 3; i++) {
      clock.advance(30 * MINUTE);
      await backend.maintain();
    }
    const [again] = await backend.append(batch);
    expect(again!.seq).toBe(first!.seq);
    const rows = await shared.db.query('SELECT 1 FROM status_bus_entries WHERE entry_id = $1', [
      first!.id,
    ]);
    expect(rows).toHaveLength(1);
  });

  it('survives the maintenance connection being cut mid-pass, and maintains again after', async () => {
    const a = await shared.start({ postgres: { partitionSize: 5 } });
    const partitions = partitionsOf(a);
    await partitions.maintain();
    const other = new Client({ connectionString: shared.db.url });
    await other.connect();
    try {
      // Holding the lock that adding partitions takes keeps the next pass waiting inside it.
      await other.query(
        `SELECT pg_advisory_lock(1937072469, 'status_bus_entries'::regclass::oid::int)`,
      );
      const pass = partitions.maintain();
      let waiting: { pid: number }[] = [];
      for (let i = 0; i < 100 && waiting.length === 0; i++) {
        await new Promise((resolve) => setTimeout(resolve, 20));
        waiting = (
          await other.query<{ pid: number }>(
            `SELECT pid FROM pg_stat_activity
              WHERE wait_event_type = 'Lock' AND query LIKE '%status_bus_entries_add%'`,
          )
        ).rows;
      }
      expect(waiting).toHaveLength(1);
      await other.query('SELECT pg_terminate_backend($1)', [waiting[0]!.pid]);
      expect(await pass).toBeUndefined();
      await other.query(
        `SELECT pg_advisory_unlock(1937072469, 'status_bus_entries'::regclass::oid::int)`,
      );
    } finally {
      await other.end();
    }
    expect((await partitions.maintain())!.ran).toBe(true);
    expect((await a.bus.postAsync('exec', 'after', 'ok')).action).toBe('after');
  });

  it('lets one instance at a time maintain the partitions', async () => {
    const a = await shared.start({ retention: { keep: '30 days' } });
    const partitions = partitionsOf(a);
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
    // Appended as the release before partitioning did, over three days.
    const entries = Array.from({ length: 150 }, (_, i) =>
      StatusEntry.create(
        `agent${i % 3}`,
        `step-${i}`,
        'info',
        { roomId: `room${i % 4}` },
        {
          clock: () => Date.now() - (3 - Math.floor(i / 50)) * DAY,
        },
      ),
    );
    await shared.db.query(`SELECT * FROM status_bus_append($1::json, NULL, 'status_bus')`, [
      JSON.stringify(
        entries.map((e) => ({ ...e.toJSON(), entry_id: e.id, room_id: e.roomId, seq: undefined })),
      ),
    ]);
    const before = entries.map((e, i) => e.withSeq(i + 1));
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
    // A retried append of an entry from before the conversion is still refused as a duplicate,
    // by the release before (whole log) and by this one (from when the entry was made).
    const batch = JSON.stringify([{ ...before[0]!.toJSON(), entry_id: before[0]!.id }]);
    for (const [call, params] of [
      [`status_bus_append($1::json, NULL, 'status_bus')`, [batch]],
      [`status_bus_append($1::json, NULL, 'status_bus', $2::timestamptz)`, [batch, before[0]!.ts]],
    ] as const) {
      expect(await shared.db.query(`SELECT * FROM ${call}`, [...params])).toEqual([]);
    }
  });

  it('refuses retention without PostgreSQL, a duration it cannot read, and a partition size that is not a count', async () => {
    await expect(shared.start({ retention: { keep: 'a while' } })).rejects.toThrow(
      /retention.keep must be a duration such as '30 days'/,
    );
    await expect(shared.start({ postgres: { partitionSize: 0 } })).rejects.toThrow(
      /postgres.partitionSize must be a positive integer, got a number \(0\)/,
    );
  });
});
