import { Injectable } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import { Test } from '@nestjs/testing';
import { TypeOrmModule } from '@nestjs/typeorm';
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Pool } from 'pg';
import { DataSource } from 'typeorm';
import {
  STATUS_BACKEND,
  STATUS_POSTED,
  StatusBusModule,
  StatusBusService,
  StatusEntry,
} from '../../src';
import { STATUS_BUS_MIGRATIONS, STATUS_BUS_MIGRATIONS_TABLE } from '../../src/postgres';
import { PostgresStatusBackend } from '../../src/postgres';
import { eventually, startBusApp } from '../support/bus-app';
import { sharedDatabase } from '../support/shared-database';
import { migratedDataSource, migrationsBefore } from '../support/test-database';

describe('the PostgreSQL store', () => {
  const shared = sharedDatabase('store');
  const start = (postgres = {}) => shared.start({ postgres });

  it('creates its schema by migration, once, and never by synchronize', async () => {
    await start();
    await start();
    const applied = await shared.db.query<{ name: string }>(
      `SELECT name FROM ${STATUS_BUS_MIGRATIONS_TABLE}`,
    );
    expect(applied.map((m) => m.name)).toEqual([
      'CreateStatusBusEntries1764000000000',
      'AppendAfterPredecessor1764000000001',
      'AddRooms1764000000002',
      'VoiceCheckpoints1764000000003',
      'NotifyWithEntries1764000000004',
      'ScopedAppend1764000000005',
      'VoiceSessions1764000000006',
      'A2aTasks1764000000007',
      'PartitionEntries1764000000008',
      'CopyAppend1764000000009',
      'SchemaVersion1764000000010',
    ]);
    const indexes = await shared.db.query<{ indexname: string }>(
      `SELECT indexname FROM pg_indexes WHERE tablename = 'status_bus_entries' ORDER BY indexname`,
    );
    expect(indexes.map((i) => i.indexname)).toEqual([
      'status_bus_entries_agent_seq',
      'status_bus_entries_agent_status_seq',
      'status_bus_entries_entry_id',
      'status_bus_entries_pkey',
      'status_bus_entries_room_seq',
      'status_bus_entries_status_seq',
    ]);
  });

  it('refuses to start without its table, saying how to create it', async () => {
    await expect(startBusApp({ postgres: { url: shared.db.url } })).rejects.toThrow(
      /status_bus_entries table is missing or not up to date. Run the migrations .* or set postgres.migrationsRun: true/,
    );
    // Nobody can close an application that never started: the bus closes its own connections.
    await eventually(
      async () =>
        (
          await shared.db.query<{ n: number }>(
            'SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()',
            [shared.db.name],
          )
        )[0]!.n === 0,
      // Well before the pool's own idle timeout (10 s) would close them anyway.
      5_000,
    );
  });

  it('reverts its migration through TypeORM', async () => {
    const source = await migratedDataSource(shared.db.url);
    for (let i = 0; i < STATUS_BUS_MIGRATIONS.length - 1; i++) await source.undoLastMigration();
    const [fn] = await source.query<{ f: string | null }[]>(
      `SELECT to_regprocedure('status_bus_append(json, uuid)')::text AS f`,
    );
    expect(fn!.f).toBeNull();
    await source.undoLastMigration();
    const [table] = await source.query<{ t: string | null }[]>(
      `SELECT to_regclass('status_bus_entries')::text AS t`,
    );
    expect(table!.t).toBeNull();
    await source.destroy();
  });

  it('runs and reverts its migrations from the command line (npx nest-status-bus migrate / revert)', () => {
    const cli = (command: string) =>
      execFileSync('npm', ['run', '--silent', command], {
        env: { ...process.env, DATABASE_URL: shared.db.url },
        encoding: 'utf8',
      });
    const run = cli('migration:run');
    for (const name of STATUS_BUS_MIGRATIONS.map((m) => m.name)) {
      expect(run).toContain(`Applied ${name}`);
    }
    expect(cli('migration:run')).toBe('Nothing to do: the schema is up to date.\n');
    for (const name of STATUS_BUS_MIGRATIONS.map((m) => m.name).reverse()) {
      expect(cli('migration:revert')).toBe(`Reverted ${name}\n`);
    }
  });

  it('starts with migrationsRun after the migrations ran through the application’s own data source', async () => {
    // Recorded in the application's table (`migrations`), not in the bus's.
    const source = new DataSource({
      type: 'postgres',
      url: shared.db.url,
      migrations: STATUS_BUS_MIGRATIONS,
    });
    await source.initialize();
    await source.runMigrations();
    await source.destroy();
    const { bus } = await start({ migrationsRun: true });
    await bus.postAsync('exec', 'after both', 'ok');
    expect((await bus.recent(1))[0]!.action).toBe('after both');
    const recorded = await shared.db.query<{ name: string }>(
      `SELECT name FROM ${STATUS_BUS_MIGRATIONS_TABLE}`,
    );
    expect(recorded).toHaveLength(STATUS_BUS_MIGRATIONS.length);
  });

  it('answers the command line without a database, or with one it cannot reach, without printing the URL', () => {
    const cli = (args: string[], env: Record<string, string | undefined>) => {
      try {
        execFileSync(
          process.execPath,
          ['-r', 'ts-node/register/transpile-only', 'src/cli/nest-status-bus.ts', ...args],
          {
            env: { ...process.env, ...env },
            encoding: 'utf8',
            stdio: ['ignore', 'pipe', 'pipe'],
          },
        );
        return { code: 0, stderr: '' };
      } catch (err) {
        const e = err as { status: number; stderr: string };
        return { code: e.status, stderr: e.stderr };
      }
    };
    expect(cli(['migrate'], { DATABASE_URL: undefined })).toEqual({
      code: 2,
      stderr: 'No database: pass --url <postgres url> or set DATABASE_URL.\n',
    });
    const secret = 'postgres://bus:s3cret-pass@127.0.0.1:1/nowhere';
    const failed = cli(['migrate', '--url', secret], {});
    expect(failed.code).toBe(1);
    expect(failed.stderr).toMatch(/^nest-status-bus migrate failed: /);
    expect(failed.stderr).not.toContain('s3cret-pass');
    expect(cli(['frobnicate'], {}).code).toBe(2);
  });

  it('keeps entries stored before rooms existed readable, in the default room', async () => {
    const source = await migratedDataSource(shared.db.url, 2);
    const old = StatusEntry.create('exec', 'before rooms', 'completed');
    await source.query('SELECT * FROM status_bus_append($1::json)', [
      JSON.stringify([{ ...old.toJSON(), room_id: undefined, entry_id: old.id }]),
    ]);
    await source.destroy();
    const { bus } = await start();
    const [read] = await bus.recent(10, { roomId: 'default' });
    expect(read).toMatchObject({ action: 'before rooms', roomId: 'default' });
    expect(await bus.hasCompleted('exec', { roomId: 'default' })).toBe(true);
    const [next] = await Promise.all([
      bus.postAsync('exec', 'in a room', 'ok', { roomId: 'room-1' }),
    ]);
    expect(next.roomId).toBe('room-1');
    expect((await bus.recent(10, { roomId: 'room-1' })).map((e) => e.action)).toEqual([
      'in a room',
    ]);
  });

  it('keeps the table append-only', async () => {
    const { bus } = await start();
    await bus.postAsync('exec', 'a', 'ok');
    await expect(shared.db.query(`UPDATE status_bus_entries SET detail = 'x'`)).rejects.toThrow(
      /append-only: UPDATE/,
    );
    await expect(shared.db.query(`DELETE FROM status_bus_entries`)).rejects.toThrow(
      /append-only: DELETE/,
    );
  });

  /** The names of the bus's connections in pg_stat_activity, once it has appended. */
  const connectionNames = async (postgres: object, prefix: string) => {
    const { bus } = await start(postgres);
    await bus.postAsync('exec', 'named', 'ok');
    const rows = await shared.db.query<{ application_name: string }>(
      `SELECT application_name FROM pg_stat_activity
        WHERE datname = current_database() AND application_name LIKE $1`,
      [`${prefix}%`],
    );
    return new Set(rows.map((r) => r.application_name));
  };

  it('names its connections, so that pg_stat_activity tells what each is for', async () => {
    expect(await connectionNames({}, 'nest-status-bus')).toEqual(
      new Set(['nest-status-bus', 'nest-status-bus-writer', 'nest-status-bus-listener']),
    );
  });

  it('names its connections after connectionName, and refuses a name PostgreSQL would not keep', async () => {
    expect(await connectionNames({ connectionName: 'billing-eu' }, 'billing-eu')).toEqual(
      new Set(['billing-eu', 'billing-eu-writer', 'billing-eu-listener']),
    );
    for (const connectionName of ['', 'x'.repeat(55), 'caf\u00e9', 42]) {
      expect(
        () => new PostgresStatusBackend({ url: shared.db.url, connectionName } as never),
      ).toThrow(
        new RegExp(
          'StatusBusModule option postgres.connectionName must be 1 to 54 printable ASCII',
        ),
      );
    }
  });

  it('answers reads from the database, and two instances agree', async () => {
    const a = await start();
    const b = await start();
    await a.bus.postAsync('exec', 'search', 'ok', { detail: 'Found 7 results' });
    await b.bus.postAsync('voice', 'delegate_task', 'pending');
    a.bus.post('system', 'task_completed', 'completed', { detail: 'Done' });
    await a.bus.flush();
    for (const { bus } of [a, b]) {
      expect((await bus.recent()).map((e) => e.action)).toEqual([
        'search',
        'delegate_task',
        'task_completed',
      ]);
      expect((await bus.recent(5, { agentId: 'exec', status: 'ok' })).map((e) => e.action)).toEqual(
        ['search'],
      );
      expect(await bus.hasCompleted('system')).toBe(true);
      expect(await bus.hasCompleted('exec')).toBe(false);
    }
    expect(await b.bus.recentText()).toBe(await a.bus.recentText());
    expect(await b.bus.summary()).toBe(await a.bus.summary());
    expect(await a.bus.summary()).toMatch(/Total: 3 entries \(1 ok, 0 fail, 1 done\)$/);
  });

  it('stores every value exactly as given and reads it back the same', async () => {
    const { bus } = await start();
    const metadata = JSON.parse(
      `{"__proto__": {"x": 1}, "constructor": "c", "sql": "'; DROP TABLE status_bus_entries; --", "shell": "$(rm -rf /) && \`id\`", "emoji": "🎉", "nested": {"list": [1, 2.5, -3e-7, true, null, "ü"]}}`,
    ) as Record<string, unknown>;
    // Tabs, line ends and backslashes end or escape a field in COPY's text format, and `\.` on
    // its own line ends COPY's data.
    const posted = await bus.postAsync("agent'; --\t\\N", 'act"ion\r\n\\.', 'info', {
      detail: 'line\nbreak\ttab \\ back\r\n\\.\n\\N',
      metadata: { ...metadata, copy: 'tab\tline\ncr\r\\.\\N "quoted"' },
    });
    const [read] = await bus.recent(1);
    // Deep equality: jsonb keeps every key and value but orders object keys its own way.
    expect(read!.toJSON()).toEqual(posted.toJSON());
    expect(Object.keys(read!.metadata).sort()).toEqual(Object.keys(posted.metadata).sort());
    expect(read!.ts).toBe(posted.ts);
  });

  it('delivers entries posted on one instance to subscribers and @OnEvent handlers on another, in order', async () => {
    @Injectable()
    class Recorder {
      seen: number[] = [];
      @OnEvent(STATUS_POSTED)
      on(e: StatusEntry) {
        this.seen.push(e.seq!);
      }
    }
    const a = await start();
    const b = await shared.start({}, { providers: [Recorder] });
    const seenOnB: StatusEntry[] = [];
    await b.bus.subscribe((e) => {
      seenOnB.push(e);
    });
    for (let i = 0; i < 100; i++) a.bus.post('exec', `a${i}`, 'ok');
    await a.bus.flush();
    await eventually(() => seenOnB.length === 100);
    expect(seenOnB.map((e) => e.action)).toEqual(Array.from({ length: 100 }, (_, i) => `a${i}`));
    await eventually(() => b.app.get(Recorder).seen.length === 100);
    expect(b.app.get(Recorder).seen).toEqual(seenOnB.map((e) => e.seq));
  });

  /**
   * Instances A and B (no fallback poll), B's subscriber recording, and how many catch-up
   * reads B had made once it had seen A's first entry.
   */
  async function twoInstancesInStep() {
    const a = await start({ pollIntervalMs: 60_000 });
    const b = await start({ pollIntervalMs: 60_000 });
    const seenOnB: StatusEntry[] = [];
    await b.bus.subscribe((e) => {
      seenOnB.push(e);
    });
    await a.bus.postAsync('exec', 'first', 'ok');
    await eventually(() => seenOnB.length === 1);
    return { a, b, seenOnB, readsBefore: b.bus.stats().catchUpReads };
  }

  it('delivers what another instance appended exactly as the table holds it', async () => {
    const { a, seenOnB } = await twoInstancesInStep();

    const posted: StatusEntry[] = [];
    for (let i = 0; i < 20; i++) {
      posted.push(
        await a.bus.postAsync('exec', `step ${i}`, 'info', {
          detail: `détail ${i} \u{1F600}`,
          metadata: { i, nested: { room: ['a', null] } },
          roomId: 'r1',
        }),
      );
    }
    await eventually(() => seenOnB.length === 21);
    expect(seenOnB.slice(1).map((e) => e.toJSON())).toEqual(posted.map((e) => e.toJSON()));
  });

  it('delivers appends of any size to other instances: one entry over 8,000 bytes, 100 entries at once', async () => {
    const { a, b, seenOnB, readsBefore } = await twoInstancesInStep();

    // Over PostgreSQL's 8,000-byte payload limit in one entry, then too many entries in one append.
    const large = await a.bus.postAsync('exec', 'large', 'ok', { detail: 'x'.repeat(9000) });
    await eventually(() => seenOnB.length === 2);
    for (let i = 0; i < 100; i++) a.bus.post('exec', `many ${i}`, 'ok');
    await a.bus.flush();
    await eventually(() => seenOnB.length === 102);

    const stored = await shared.db.query<{ seq: string }>(
      'SELECT seq FROM status_bus_entries ORDER BY seq',
    );
    expect(seenOnB.map((e) => e.seq)).toEqual(stored.map((r) => Number(r.seq)));
    expect(seenOnB[1]!.toJSON()).toEqual(large.toJSON());
    expect(b.bus.stats().catchUpReads).toBeGreaterThanOrEqual(readsBefore + 2);
  });

  it('reads from the table after a notification it cannot understand, and goes on', async () => {
    const { a, b, seenOnB, readsBefore } = await twoInstancesInStep();
    // Sent by hand on the bus's channel: broken JSON, rows without positions, an empty array, a
    // word. Each follows an entry written behind the bus's back (no notification of its own,
    // and the poll a minute away): each wakes B, which reads the entry from the table.
    const payloads = ['[not json', '[{"seq":"2"}]', '[null]', '[]', 'soon'];
    for (const payload of payloads) {
      await shared.db.query(
        `INSERT INTO status_bus_entries (entry_id, ts, agent_id, action, status)
         VALUES (gen_random_uuid(), now(), 'ops', $1, 'info')`,
        [`behind ${payload}`],
      );
      await shared.db.query(`SELECT pg_notify('status_bus', $1)`, [payload]);
      await eventually(() => seenOnB.at(-1)?.action === `behind ${payload}`);
    }
    await a.bus.postAsync('exec', 'after', 'ok');
    await eventually(() => seenOnB.length === payloads.length + 2);
    expect(seenOnB.map((e) => e.action)).toEqual([
      'first',
      ...payloads.map((p) => `behind ${p}`),
      'after',
    ]);
    expect(b.bus.stats().catchUpReads).toBeGreaterThan(readsBefore);
  });

  it('appends concurrent posts in batches: one entry never costs a round trip of its own', async () => {
    const { bus } = await start();
    const appends = jest.spyOn(PostgresStatusBackend.prototype, 'append');
    const stored = await Promise.all(
      Array.from({ length: 2000 }, (_, i) => bus.postAsync('exec', `p${i}`, 'ok')),
    );
    expect(new Set(stored.map((e) => e.seq)).size).toBe(2000);
    // At least one: the spy is on the path every batch takes.
    expect(appends.mock.calls.length).toBeGreaterThanOrEqual(1);
    expect(appends.mock.calls.length).toBeLessThanOrEqual(4);
    appends.mockRestore();
  });

  it('answers recent(n, filters) and hasCompleted with index scans at a large table', async () => {
    const { bus } = await start();
    // Rows inserted behind the bus's back: the partitions for them are added first.
    await shared.db.query('SELECT status_bus_entries_add(100000, 2)');
    await shared.db.query(`
      INSERT INTO status_bus_entries (entry_id, ts, agent_id, action, status)
      SELECT gen_random_uuid(), now(), 'agent' || (i % 50), 'step', (ARRAY['ok','failed','pending','info','completed'])[1 + i % 5]
        FROM generate_series(1, 200000) AS i`);
    await shared.db.query('ANALYZE status_bus_entries');
    // The bus's statements go to the data source's pg pool.
    // Prepared statements come as { name, text, values }.
    type Statement = string | { text: string; values: unknown[] };
    const query = jest.spyOn(Pool.prototype, 'query') as unknown as jest.SpyInstance<
      unknown,
      [Statement, unknown[]?]
    >;
    await bus.recent(10, { agentId: 'agent7', status: 'ok' });
    await bus.recent(10, { agentId: 'agent7' });
    await bus.recent(10, { status: 'failed' });
    await bus.recent(10);
    await bus.hasCompleted('agent3');
    // The reads above, without the feed's catch-up of the rows just inserted.
    const issued = query.mock.calls
      .map(([statement, values]): [string, unknown[]] =>
        typeof statement === 'string'
          ? [statement, values ?? []]
          : [statement.text, statement.values],
      )
      .filter(([sql]) => !sql.includes('seq > $1'));
    query.mockRestore();
    for (const [sql, params] of issued) {
      const plan = (await shared.db.query<{ 'QUERY PLAN': string }>(`EXPLAIN ${sql}`, params))
        .map((r) => r['QUERY PLAN'])
        .join('\n');
      expect(plan).toMatch(/Index (Only )?Scan/);
      // No sort of rows: partitions merged in order by their indexes ("Sort Key") are fine.
      expect(plan).not.toMatch(/(^|->\s+)Sort\b/m);
      // Nor a scan of a whole table, but for the partitions of days to come, empty and free.
      const scans = plan.split('\n').filter((line) => line.includes('Seq Scan'));
      expect(scans.filter((line) => !line.includes('cost=0.00..0.00'))).toEqual([]);
    }
    expect(issued).toHaveLength(5);
  });

  it('refuses an append whose predecessor is not stored, so pipelined appends keep post order', async () => {
    await start();
    const entry = StatusEntry.create('exec', 'after a lost batch', 'ok');
    const batch = JSON.stringify([{ ...entry.toJSON(), entry_id: entry.id }]);
    await expect(
      // The append the bus makes (its batch, its predecessor, its channel, since when).
      shared.db.query('SELECT * FROM status_bus_append($1::json, $2::uuid, $3, NULL)', [
        batch,
        '00000000-0000-7000-8000-000000000000',
        'status_bus',
      ]),
    ).rejects.toThrow(/the batch before this one .* is not stored/);
    expect(await shared.db.query('SELECT 1 FROM status_bus_entries')).toHaveLength(0);
    const first = StatusEntry.create('exec', 'first', 'ok');
    await shared.db.query('SELECT * FROM status_bus_append($1::json)', [
      JSON.stringify([{ ...first.toJSON(), entry_id: first.id }]),
    ]);
    await shared.db.query('SELECT * FROM status_bus_append($1::json, $2::uuid, $3, NULL)', [
      batch,
      first.id,
      'status_bus',
    ]);
    expect(await shared.db.query('SELECT 1 FROM status_bus_entries')).toHaveLength(2);
  });

  it('answers the positions the log gave a batch, even when positions were taken around it', async () => {
    const { app, bus } = await start();
    const backend = app.get<PostgresStatusBackend>(STATUS_BACKEND);
    await bus.postAsync('exec', 'first', 'ok');
    // Positions taken out of turn leave gaps between those an append is handed.
    const [sequence] = await shared.db.query<{ name: string }>(
      `SELECT pg_get_serial_sequence('status_bus_entries', 'seq') AS name`,
    );
    await shared.db.query(`ALTER SEQUENCE ${sequence!.name} INCREMENT BY 3`);
    const batch = ['a', 'b', 'c'].map((action) => StatusEntry.create('exec', action, 'ok'));
    const appended = await backend.append(batch);
    const stored = await shared.db.query<{ entry_id: string; seq: string }>(
      'SELECT entry_id, seq FROM status_bus_entries WHERE seq > 1 ORDER BY seq',
    );
    expect(appended.map((e) => [e.id, e.seq])).toEqual(
      stored.map((r) => [r.entry_id, Number(r.seq)]),
    );
    expect(appended.map((e) => e.seq)).toEqual([4, 7, 10]);
  });

  it('tells an append the position before its first, on a log never appended to as on others', async () => {
    const { bus } = await start();
    const before = async () =>
      (
        await shared.db.query<{ p: string | null }>(
          `SELECT status_bus_append_begin('{}', NULL, now()) AS p`,
        )
      )[0]!.p;
    expect(await before()).toBe('0');
    await Promise.all(['a', 'b'].map((action) => bus.postAsync('exec', action, 'ok')));
    expect(await before()).toBe('2');
  });

  // The release before this one ran on a schema without its version; older ones, on a log
  // not yet partitioned.
  it.each(['SchemaVersion1764000000010', 'PartitionEntries1764000000008'])(
    'refuses a schema older than its upgrade window (before %s), naming what to run, and keeps what it holds',
    async (migration) => {
      const older = await migratedDataSource(shared.db.url, migrationsBefore(migration));
      // An entry the release before stored; a partitioned log first needs a partition for it.
      const [{ partitioned }] = await older.query(
        `SELECT to_regprocedure('status_bus_entries_add(bigint, int)') IS NOT NULL AS partitioned`,
      );
      if (partitioned) await older.query('SELECT status_bus_entries_add(1000, 1)');
      await older.query(
        `INSERT INTO status_bus_entries (entry_id, ts, agent_id, action, status, detail)
         VALUES ('0190f3a0-0000-7000-8000-000000000001', now(), 'exec', 'kept', 'ok', '')`,
      );
      await older.destroy();
      await expect(start({ migrationsRun: false })).rejects.toThrow(
        'Run the migrations (DATABASE_URL=... npx nest-status-bus migrate), or set ' +
          'postgres.migrationsRun: true. (Schema version none; this release needs ' +
          '1764000000010 or later.)',
      );
      const { bus } = await start({ migrationsRun: true });
      await bus.postAsync('exec', 'after', 'ok');
      expect((await bus.recent()).map((e) => [e.seq, e.action])).toEqual([
        [1, 'kept'],
        [2, 'after'],
      ]);
    },
  );

  it('makes a retried append idempotent', async () => {
    const { app } = await start();
    const backend = app.get<PostgresStatusBackend>(STATUS_BACKEND);
    const batch = [StatusEntry.create('exec', 'a', 'ok'), StatusEntry.create('exec', 'b', 'ok')];
    const first = await backend.append(batch);
    const retried = await backend.append([...batch, StatusEntry.create('exec', 'c', 'ok')]);
    expect(retried.slice(0, 2).map((e) => e.seq)).toEqual(first.map((e) => e.seq));
    expect((await shared.db.query('SELECT * FROM status_bus_entries')).length).toBe(3);
  });

  it('delivers a retried append to other instances once, in order, whatever it skipped', async () => {
    const { a, seenOnB } = await twoInstancesInStep();
    const backend = a.app.get<PostgresStatusBackend>(STATUS_BACKEND);
    const [p, q] = [StatusEntry.create('exec', 'p', 'ok'), StatusEntry.create('exec', 'q', 'ok')];
    await backend.append([p, q]);
    // A retry whose first attempt had stored p: p is skipped between two new entries.
    await backend.append([
      StatusEntry.create('exec', 'r', 'ok'),
      p,
      StatusEntry.create('exec', 's', 'ok'),
    ]);
    await eventually(() => seenOnB.length === 5);
    await a.bus.postAsync('exec', 't', 'ok');
    await eventually(() => seenOnB.length === 6);
    const stored = await shared.db.query<{ seq: string; action: string }>(
      'SELECT seq, action FROM status_bus_entries ORDER BY seq',
    );
    expect(stored.map((r) => r.action)).toEqual(['first', 'p', 'q', 'r', 's', 't']);
    expect(seenOnB.map((e) => [e.seq, e.action])).toEqual(
      stored.map((r) => [Number(r.seq), r.action]),
    );
  });

  it('never lets a reader skip an entry whose writer commits late', async () => {
    const { bus } = await start({ pollIntervalMs: 50 });
    const seen: string[] = [];
    await bus.subscribe((e) => {
      seen.push(e.action);
    });
    // A writer on its own connection takes its position and holds its transaction open.
    const slow = new Client({ connectionString: shared.db.url });
    await slow.connect();
    await slow.query('BEGIN');
    await slow.query('SELECT * FROM status_bus_append($1::json)', [
      JSON.stringify([
        {
          ...StatusEntry.create('slow', 'late commit', 'ok').toJSON(),
          entry_id: '00000000-0000-4000-8000-000000000001',
        },
      ]),
    ]);
    const fast = bus.postAsync('exec', 'posted meanwhile', 'ok');
    // The bus's append waits for the open transaction's lock on the order.
    await eventually(async () => {
      const [waiting] = await shared.db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM pg_stat_activity
          WHERE datname = current_database() AND wait_event_type = 'Lock' AND wait_event = 'advisory'`,
      );
      return waiting!.n > 0;
    });
    expect(seen).toEqual([]);
    await slow.query('COMMIT');
    await slow.end();
    await fast;
    await eventually(() => seen.length === 2);
    expect(seen).toEqual(['late commit', 'posted meanwhile']);
  });

  it('keeps one gapless order under many concurrent writers on separate connections', async () => {
    const { bus } = await start({ pollIntervalMs: 50 });
    const seen: number[] = [];
    await bus.subscribe((e) => {
      seen.push(e.seq!);
    });
    const writers = await Promise.all(
      Array.from({ length: 8 }, async () => {
        const client = new Client({ connectionString: shared.db.url });
        await client.connect();
        return client;
      }),
    );
    // Each writer holds its transaction open for a random while after appending, which would
    // make positions commit out of order if appends were not serialised.
    await Promise.all(
      writers.map(async (client, w) => {
        for (let i = 0; i < 25; i++) {
          await client.query('BEGIN');
          const entry = StatusEntry.create(`writer${w}`, `a${i}`, 'ok');
          await client.query('SELECT * FROM status_bus_append($1::json)', [
            JSON.stringify([{ ...entry.toJSON(), entry_id: entry.id }]),
          ]);
          await new Promise((r) => setTimeout(r, Math.random() * 5));
          await client.query('COMMIT');
        }
        await client.end();
      }),
    );
    const stored = (
      await shared.db.query<{ seq: string }>('SELECT seq FROM status_bus_entries ORDER BY seq')
    ).map((r) => Number(r.seq));
    expect(stored).toHaveLength(200);
    await eventually(() => seen.length === 200);
    expect(seen).toEqual(stored);
  });

  it('picks up entries whose notification never arrives, through the fallback poll', async () => {
    const { bus } = await start({ pollIntervalMs: 100 });
    const seen: string[] = [];
    await bus.subscribe((e) => {
      seen.push(e.action);
    });
    // Written behind the bus's back: no NOTIFY is sent.
    await shared.db.query(
      `INSERT INTO status_bus_entries (entry_id, ts, agent_id, action, status) VALUES (gen_random_uuid(), now(), 'ops', 'manual', 'info')`,
    );
    await eventually(() => seen.length === 1);
    expect(seen).toEqual(['manual']);
  });

  it('reconnects a LISTEN connection that was cut, and catches up without loss or duplicates', async () => {
    const a = await start({ pollIntervalMs: 60_000 });
    const b = await start({ pollIntervalMs: 60_000, connectionName: 'reconnecting' });
    const seen: number[] = [];
    await b.bus.subscribe((e) => {
      seen.push(e.seq!);
    });
    const listeners = async () =>
      (
        await shared.db.query<{ pid: number }>(
          `SELECT pid FROM pg_stat_activity WHERE application_name = 'reconnecting-listener'`,
        )
      ).map((r) => r.pid);
    const [cut] = await listeners();
    await a.bus.postAsync('exec', 'before', 'ok');
    await eventually(() => seen.length === 1);
    await shared.db.query('SELECT pg_terminate_backend($1)', [cut]);
    // Posted while B is not listening: its notifications are lost for good.
    for (let i = 0; i < 20; i++) a.bus.post('exec', `during${i}`, 'ok');
    await a.bus.flush();
    await eventually(async () => {
      const now = await listeners();
      return now.length === 1 && now[0] !== cut && seen.length === 21;
    });
    await a.bus.postAsync('exec', 'after', 'ok');
    await eventually(() => seen.length === 22);
    const stored = await shared.db.query<{ seq: string }>(
      'SELECT seq FROM status_bus_entries ORDER BY seq',
    );
    expect(seen).toEqual(stored.map((r) => Number(r.seq)));
  });

  it('reuses the application’s own TypeORM data source, and leaves closing it to its owner', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [
        TypeOrmModule.forRoot({ type: 'postgres', url: shared.db.url }),
        StatusBusModule.forRootAsync({
          inject: [DataSource],
          useFactory: (dataSource: DataSource) => ({
            postgres: { dataSource, migrationsRun: true },
          }),
        }),
      ],
    }).compile();
    const app = await moduleRef.createNestApplication({ logger: false }).init();
    const bus = app.get(StatusBusService);
    const dataSource = app.get(DataSource);
    const entry = await bus.postAsync('exec', 'shared pool', 'completed');
    const [row] = await dataSource.query<{ action: string }[]>(
      'SELECT action FROM status_bus_entries WHERE seq = $1',
      [entry.seq],
    );
    expect(row!.action).toBe('shared pool');
    await bus.close();
    expect(dataSource.isInitialized).toBe(true);
    await app.close();
    expect(dataSource.isInitialized).toBe(false);
  });

  it('leaves no timer running after an append when the connection has a query_timeout', async () => {
    // pg times every query on such a connection, and clears the timer through the query's
    // callback: an append that never called it left one running for query_timeout each.
    const dataSource = new DataSource({
      type: 'postgres',
      url: shared.db.url,
      extra: { query_timeout: 60_000 },
    });
    await dataSource.initialize();
    const { app, bus } = await startBusApp({ postgres: { dataSource, migrationsRun: true } });
    try {
      await bus.postAsync('exec', 'warm-up', 'ok');
      const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
      const before = timers();
      for (let i = 0; i < 30; i++) await bus.postAsync('exec', `step ${i}`, 'ok');
      // The bus's own timers (the poll, the watchdogs) exist before as after: none per append.
      expect(timers() - before).toBeLessThanOrEqual(1);
    } finally {
      await app.close();
      await dataSource.destroy();
    }
  });

  it('keeps writing the JSONL audit trail beside the database', async () => {
    const file = join(await mkdtemp(join(tmpdir(), 'status-bus-audit-')), 'audit.jsonl');
    const { bus } = await start();
    const withFile = (await shared.start({ persistPath: file })).bus;
    await withFile.postAsync('exec', 'audited', 'ok');
    await bus.postAsync('exec', 'other instance', 'ok');
    const lines = (await readFile(file, 'utf8')).trim().split('\n');
    expect(lines.map((l) => (JSON.parse(l) as { action: string }).action)).toEqual(['audited']);
  });
});
