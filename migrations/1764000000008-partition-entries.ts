import { MigrationInterface, QueryRunner } from 'typeorm';

/** The non-unique indexes of the log, by name: the same on the plain and the partitioned table. */
const INDEXES: readonly [string, string][] = [
  ['status_bus_entries_agent_seq', '(agent_id, seq)'],
  ['status_bus_entries_status_seq', '(status, seq)'],
  ['status_bus_entries_agent_status_seq', '(agent_id, status, seq)'],
  ['status_bus_entries_room_seq', '(room_id, seq)'],
];

const COLUMNS = `
  entry_id uuid NOT NULL,
  ts timestamptz NOT NULL,
  agent_id text NOT NULL,
  action text NOT NULL,
  status text NOT NULL,
  detail text NOT NULL DEFAULT '',
  metadata jsonb NOT NULL DEFAULT '{}'::jsonb,
  room_id text NOT NULL DEFAULT 'default',
  CONSTRAINT status_bus_entries_status_check
    CHECK (status IN ('ok', 'failed', 'pending', 'info', 'completed')),
  CONSTRAINT status_bus_entries_metadata_check CHECK (jsonb_typeof(metadata) = 'object')`;

const APPEND_ONLY = `
  CREATE TRIGGER status_bus_entries_append_only
    BEFORE UPDATE OR DELETE ON status_bus_entries
    FOR EACH ROW EXECUTE FUNCTION status_bus_entries_append_only()`;

/** Every partition of the log with its range; `from_ts` is null for the one from MINVALUE. */
const PARTITIONS = `
  CREATE OR REPLACE FUNCTION status_bus_entries_partitions()
    RETURNS TABLE (name text, from_ts timestamptz, to_ts timestamptz)
    LANGUAGE sql STABLE AS $$
      SELECT c.relname::text,
             (regexp_match(pg_get_expr(c.relpartbound, c.oid), 'FROM \\(''([^'']*)''\\)'))[1]::timestamptz,
             (regexp_match(pg_get_expr(c.relpartbound, c.oid), 'TO \\(''([^'']*)''\\)'))[1]::timestamptz
        FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
       WHERE i.inhparent = 'status_bus_entries'::regclass
    $$`;

/**
 * Adds the partition of each UTC day from the day of `first` for `days` days that no partition
 * covers yet; answers how many it added. Each is created empty and then attached, which locks the
 * log only in SHARE UPDATE EXCLUSIVE mode: appends go on meanwhile.
 */
const ADD_DAYS = `
  CREATE OR REPLACE FUNCTION status_bus_entries_add_days(first timestamptz, days int)
    RETURNS int LANGUAGE plpgsql AS $$
    DECLARE
      day_start timestamptz;
      day_end timestamptz;
      part text;
      added int := 0;
    BEGIN
      -- Instances starting together would otherwise create the same day twice. 'sBuU'.
      PERFORM pg_advisory_xact_lock(1937072469, 'status_bus_entries'::regclass::oid::int);
      FOR i IN 0 .. days - 1 LOOP
        day_start := (date_trunc('day', first AT TIME ZONE 'UTC') + make_interval(days => i))
                       AT TIME ZONE 'UTC';
        day_end := day_start + interval '1 day';
        CONTINUE WHEN EXISTS (
          SELECT 1 FROM status_bus_entries_partitions() p
           WHERE (p.from_ts IS NULL OR p.from_ts < day_end) AND p.to_ts > day_start);
        part := 'status_bus_entries_' || to_char(day_start AT TIME ZONE 'UTC', 'YYYYMMDD');
        EXECUTE format('CREATE TABLE %I (LIKE status_bus_entries INCLUDING DEFAULTS INCLUDING CONSTRAINTS)', part);
        EXECUTE format('ALTER TABLE %I ADD CONSTRAINT %I CHECK (ts >= %L AND ts < %L)',
                       part, part || '_range', day_start, day_end);
        EXECUTE format('ALTER TABLE status_bus_entries ATTACH PARTITION %I FOR VALUES FROM (%L) TO (%L)',
                       part, day_start, day_end);
        added := added + 1;
      END LOOP;
      RETURN added;
    END $$`;

/**
 * The log partitioned by time (`ts`), so that retention drops whole partitions instead of
 * deleting rows: one partition per UTC day, created ahead by the bus, and one partition
 * (`status_bus_entries_history`) holding every row the table had when it was converted.
 *
 * The existing table becomes that partition as it is, without copying a row: positions, order
 * and entry ids stay, and the position sequence goes on from the last one. Its two unique
 * indexes are rebuilt as a partition needs them (`(seq, ts)` and `(entry_id, ts)`), which takes
 * time on a large table; appends wait meanwhile (the table is locked for the conversion).
 *
 * Entry ids stay unique: a retried append repeats its entries' `ts`, so `(entry_id, ts)` catches
 * it as `entry_id` alone did.
 *
 * `status_bus_archives` records the archive written of each partition retention dropped, so that
 * the next archive, written by whichever instance, names the SHA-256 of the one before it.
 */
export class PartitionEntries1764000000008 implements MigrationInterface {
  name = 'PartitionEntries1764000000008';

  async up(queryRunner: QueryRunner): Promise<void> {
    const [table] = (await queryRunner.query(
      `SELECT c.relkind AS kind FROM pg_class c WHERE c.oid = to_regclass('status_bus_entries')`,
    )) as { kind: string }[];
    if (table?.kind !== 'r') return; // already partitioned
    await queryRunner.query('LOCK TABLE status_bus_entries IN ACCESS EXCLUSIVE MODE');
    const [range] = (await queryRunner.query(`
      SELECT COALESCE(max(seq), 0) + 1 AS next,
             COALESCE(date_trunc('day', max(ts) AT TIME ZONE 'UTC') + interval '1 day',
                      date_trunc('day', now() AT TIME ZONE 'UTC')) AT TIME ZONE 'UTC' AS bound
        FROM status_bus_entries`)) as { next: string; bound: Date }[];
    const bound = range!.bound.toISOString();

    await queryRunner.query('ALTER TABLE status_bus_entries RENAME TO status_bus_entries_history');
    // The unique constraints a partition of the new table needs, in place of the old ones.
    await queryRunner.query(`
      ALTER TABLE status_bus_entries_history
        DROP CONSTRAINT status_bus_entries_pkey,
        DROP CONSTRAINT status_bus_entries_entry_id_key,
        ADD CONSTRAINT status_bus_entries_history_pkey PRIMARY KEY (seq, ts),
        ADD CONSTRAINT status_bus_entries_history_entry_id_key UNIQUE (entry_id, ts)`);
    for (const [name] of INDEXES) {
      await queryRunner.query(
        `ALTER INDEX ${name} RENAME TO ${name.replace('status_bus_entries', 'status_bus_entries_history')}`,
      );
    }
    await queryRunner.query(
      'DROP TRIGGER IF EXISTS status_bus_entries_append_only ON status_bus_entries_history',
    );
    await queryRunner.query(
      'ALTER TABLE status_bus_entries_history ALTER COLUMN seq DROP IDENTITY',
    );

    await queryRunner.query(`
      CREATE TABLE status_bus_entries (
        seq bigint GENERATED ALWAYS AS IDENTITY (START WITH ${Number(range!.next)}),
        ${COLUMNS},
        CONSTRAINT status_bus_entries_pkey PRIMARY KEY (seq, ts),
        CONSTRAINT status_bus_entries_entry_id_key UNIQUE (entry_id, ts)
      ) PARTITION BY RANGE (ts)`);
    for (const [name, columns] of INDEXES) {
      await queryRunner.query(`CREATE INDEX ${name} ON status_bus_entries ${columns}`);
    }
    // With this constraint in place, attaching needs no scan of its own to check the range.
    await queryRunner.query(
      `ALTER TABLE status_bus_entries_history
         ADD CONSTRAINT status_bus_entries_history_range CHECK (ts < '${bound}')`,
    );
    await queryRunner.query(
      `ALTER TABLE status_bus_entries ATTACH PARTITION status_bus_entries_history
         FOR VALUES FROM (MINVALUE) TO ('${bound}')`,
    );
    await queryRunner.query(APPEND_ONLY);
    await queryRunner.query(PARTITIONS);
    await queryRunner.query(ADD_DAYS);
    // Today and the next two days; the bus keeps a week ahead from then on.
    await queryRunner.query('SELECT status_bus_entries_add_days(now(), 3)');
    await queryRunner.query(`
      CREATE TABLE IF NOT EXISTS status_bus_archives (
        partition text PRIMARY KEY,
        file text NOT NULL,
        sha256 text NOT NULL,
        rows bigint NOT NULL,
        first_seq bigint NOT NULL,
        last_seq bigint NOT NULL,
        archived_at timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const [table] = (await queryRunner.query(
      `SELECT c.relkind AS kind FROM pg_class c WHERE c.oid = to_regclass('status_bus_entries')`,
    )) as { kind: string }[];
    await queryRunner.query('DROP TABLE IF EXISTS status_bus_archives');
    if (table?.kind !== 'p') return;
    await queryRunner.query('LOCK TABLE status_bus_entries IN ACCESS EXCLUSIVE MODE');
    await queryRunner.query(
      'ALTER TABLE status_bus_entries RENAME TO status_bus_entries_partitioned',
    );
    for (const constraint of ['pkey', 'entry_id_key']) {
      await queryRunner.query(
        `ALTER TABLE status_bus_entries_partitioned
           RENAME CONSTRAINT status_bus_entries_${constraint} TO status_bus_entries_partitioned_${constraint}`,
      );
    }
    for (const [name] of INDEXES) {
      await queryRunner.query(
        `ALTER INDEX ${name} RENAME TO ${name.replace('status_bus_entries', 'status_bus_entries_partitioned')}`,
      );
    }
    await queryRunner.query(`
      CREATE TABLE status_bus_entries (
        seq bigint GENERATED ALWAYS AS IDENTITY,
        ${COLUMNS},
        CONSTRAINT status_bus_entries_pkey PRIMARY KEY (seq),
        CONSTRAINT status_bus_entries_entry_id_key UNIQUE (entry_id)
      )`);
    await queryRunner.query(`
      INSERT INTO status_bus_entries
        (seq, entry_id, ts, agent_id, action, status, detail, metadata, room_id)
      OVERRIDING SYSTEM VALUE
      SELECT seq, entry_id, ts, agent_id, action, status, detail, metadata, room_id
        FROM status_bus_entries_partitioned ORDER BY seq`);
    await queryRunner.query(`
      SELECT setval(pg_get_serial_sequence('status_bus_entries', 'seq'), max(seq))
        FROM status_bus_entries HAVING max(seq) IS NOT NULL`);
    for (const [name, columns] of INDEXES) {
      await queryRunner.query(`CREATE INDEX ${name} ON status_bus_entries ${columns}`);
    }
    await queryRunner.query('DROP TABLE status_bus_entries_partitioned');
    await queryRunner.query(
      'DROP FUNCTION IF EXISTS status_bus_entries_add_days(timestamptz, int)',
    );
    await queryRunner.query('DROP FUNCTION IF EXISTS status_bus_entries_partitions()');
    await queryRunner.query(APPEND_ONLY);
  }
}
