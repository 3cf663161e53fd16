import { MigrationInterface, QueryRunner } from 'typeorm';

/** The append as 1764000000005 left it, which `down` restores. */
const SCOPED_APPEND = `
      CREATE OR REPLACE FUNCTION status_bus_append(batch json, after_entry uuid, channel text)
        RETURNS TABLE (entry_id uuid, seq bigint)
        LANGUAGE plpgsql AS $$
      DECLARE
        inserted bigint;
      BEGIN
        IF after_entry IS NOT NULL
           AND NOT EXISTS (SELECT 1 FROM status_bus_entries e WHERE e.entry_id = after_entry) THEN
          RAISE EXCEPTION 'status_bus_append: the batch before this one (ending with %) is not stored', after_entry
            USING ERRCODE = 'P0001';
        END IF;
        -- 1937072450 is 'sBuS'; the second key is the table this call resolves to.
        PERFORM pg_advisory_xact_lock(1937072450, 'status_bus_entries'::regclass::oid::int);
        RETURN QUERY
          WITH added AS (
            INSERT INTO status_bus_entries AS e (entry_id, ts, agent_id, action, status, detail, metadata, room_id)
            SELECT r.entry_id, r.ts, r.agent_id, r.action, r.status, r.detail, r.metadata, COALESCE(r.room_id, 'default')
              FROM ROWS FROM (json_to_recordset(batch) AS (
                     entry_id uuid, ts timestamptz, agent_id text, action text,
                     status text, detail text, metadata jsonb, room_id text))
                   WITH ORDINALITY AS r (entry_id, ts, agent_id, action, status, detail, metadata, room_id, ord)
             ORDER BY r.ord
            ON CONFLICT ON CONSTRAINT status_bus_entries_entry_id_key DO NOTHING
            RETURNING e.entry_id, e.seq
          )
          SELECT added.entry_id, added.seq FROM added;
        GET DIAGNOSTICS inserted = ROW_COUNT;
        IF inserted > 0 THEN
          PERFORM pg_notify(channel, currval(pg_get_serial_sequence('status_bus_entries', 'seq'))::text);
        END IF;
      END $$`;

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

/** Every partition of the log with its range of positions; `from_seq` null: from MINVALUE. */
const PARTITIONS = `
  CREATE OR REPLACE FUNCTION status_bus_entries_partitions()
    RETURNS TABLE (name text, from_seq bigint, to_seq bigint)
    LANGUAGE sql STABLE AS $$
      SELECT c.relname::text,
             (regexp_match(pg_get_expr(c.relpartbound, c.oid), 'FROM \\(''?(-?[0-9]+)''?\\)'))[1]::bigint,
             (regexp_match(pg_get_expr(c.relpartbound, c.oid), 'TO \\(''?(-?[0-9]+)''?\\)'))[1]::bigint
        FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
       WHERE i.inhparent = 'status_bus_entries'::regclass
    $$`;

/**
 * Adds partitions of \`width\` positions after the last one until \`ahead\` widths lie beyond the
 * newest position handed out; answers how many it added. Each is created empty and then
 * attached, which locks the log only in SHARE UPDATE EXCLUSIVE mode: appends go on meanwhile.
 * Names carry the first position, padded, so that they sort in log order.
 */
const ADD = `
  CREATE OR REPLACE FUNCTION status_bus_entries_add(width bigint, ahead int)
    RETURNS int LANGUAGE plpgsql AS $$
    DECLARE
      head bigint;
      next bigint;
      part text;
      added int := 0;
    BEGIN
      -- Instances starting together would otherwise add the same range twice. 'sBuU'.
      PERFORM pg_advisory_xact_lock(1937072469, 'status_bus_entries'::regclass::oid::int);
      head := COALESCE(pg_sequence_last_value(pg_get_serial_sequence('status_bus_entries', 'seq')::regclass), 0);
      SELECT max(p.to_seq) INTO next FROM status_bus_entries_partitions() p;
      next := COALESCE(next, 1);
      WHILE next <= head + width * ahead LOOP
        part := 'status_bus_entries_' || lpad(next::text, 12, '0');
        EXECUTE format('CREATE TABLE %I (LIKE status_bus_entries INCLUDING DEFAULTS INCLUDING CONSTRAINTS)', part);
        EXECUTE format('ALTER TABLE status_bus_entries ATTACH PARTITION %I FOR VALUES FROM (%s) TO (%s)',
                       part, next, next + width);
        next := next + width;
        added := added + 1;
      END LOOP;
      RETURN added;
    END $$`;

/**
 * What an append does before it stores anything, given \`after_entry\` and \`since\` (below): sets
 * \`low\`, refuses a batch whose predecessor is not stored, and takes the lock that orders appends.
 */
const APPEND_PRELUDE = `
    low := COALESCE((SELECT p.seq FROM status_bus_positions p
                      WHERE p.at <= since - interval '10 minutes' ORDER BY p.at DESC LIMIT 1), 0);
    IF after_entry IS NOT NULL
       AND NOT EXISTS (SELECT 1 FROM status_bus_entries e WHERE e.entry_id = after_entry AND e.seq > low) THEN
      RAISE EXCEPTION 'status_bus_append: the batch before this one (ending with %) is not stored', after_entry
        USING ERRCODE = 'P0001';
    END IF;
    -- 1937072450 is 'sBuS'; the second key is the table this call resolves to.
    PERFORM pg_advisory_xact_lock(1937072450, 'status_bus_entries'::regclass::oid::int);`;

/**
 * The append, with duplicates looked for only where they can be: a batch's entries, and the batch
 * named before it, were made at \`since\` or after, so none of them is stored at or below the
 * newest position handed out before then (\`status_bus_positions\`, sampled by the bus; ten
 * minutes spare for clocks that differ). A null \`since\` looks through the whole log.
 */
const APPEND = `
  CREATE OR REPLACE FUNCTION status_bus_append(batch json, after_entry uuid, channel text, since timestamptz)
    RETURNS TABLE (entry_id uuid, seq bigint)
    LANGUAGE plpgsql
    -- Every look-up here is by index. A partition added empty has no statistics until it is
    -- analysed, and a plan kept from then would scan it whole at every batch as it fills.
    SET enable_seqscan = off
    AS $$
  DECLARE
    inserted bigint;
    low bigint;
  BEGIN${APPEND_PRELUDE}
    RETURN QUERY
      WITH r AS MATERIALIZED (
        SELECT * FROM ROWS FROM (json_to_recordset(batch) AS (
                 entry_id uuid, ts timestamptz, agent_id text, action text,
                 status text, detail text, metadata jsonb, room_id text))
               WITH ORDINALITY AS r (entry_id, ts, agent_id, action, status, detail, metadata, room_id, ord)
      ),
      -- One index scan per partition above low for the whole batch: a lookup per entry would
      -- pay for every partition at every entry, and an anti-join would hash every row above low.
      stored AS (
        SELECT d.entry_id FROM status_bus_entries d
         WHERE d.entry_id = ANY (ARRAY(SELECT r.entry_id FROM r)) AND d.seq > low
      ),
      added AS (
        INSERT INTO status_bus_entries AS e (entry_id, ts, agent_id, action, status, detail, metadata, room_id)
        SELECT r.entry_id, r.ts, r.agent_id, r.action, r.status, r.detail, r.metadata, COALESCE(r.room_id, 'default')
          FROM r
         WHERE r.entry_id NOT IN (SELECT stored.entry_id FROM stored)
         ORDER BY r.ord
        RETURNING e.entry_id, e.seq
      )
      SELECT added.entry_id, added.seq FROM added;
    GET DIAGNOSTICS inserted = ROW_COUNT;
    IF inserted > 0 THEN
      PERFORM pg_notify(channel, currval(pg_get_serial_sequence('status_bus_entries', 'seq'))::text);
    END IF;
  END $$`;

/**
 * The log partitioned by position (\`seq\`), so that retention drops whole partitions instead of
 * deleting rows, and reads by position (the newest entries, or those after a resume point) open
 * only the partitions that hold them. The bus adds partitions ahead of the newest position, each
 * about a day of appends; retention drops a partition once the bus saw the log move past its
 * end before the horizon (\`status_bus_positions\`: the newest position at each of its passes).
 *
 * The existing table becomes the first partition (\`status_bus_entries_history\`) as it is,
 * without copying a row: positions, order and entry ids stay, and the position sequence goes on
 * from the last one. Its unique index on \`entry_id\` becomes a plain one (a partitioned table
 * can only hold unique keys that include \`seq\`), which is rebuilt: appends wait meanwhile (the
 * table is locked for the conversion). Entry ids stay unique: the append looks each up before
 * storing it, under the lock that orders appends.
 *
 * \`status_bus_archives\` records the archive written of each partition retention dropped, so that
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
    const [range] = (await queryRunner.query(
      `SELECT COALESCE(max(seq), 0) + 1 AS next FROM status_bus_entries`,
    )) as { next: string }[];
    const next = Number(range!.next);

    await queryRunner.query('ALTER TABLE status_bus_entries RENAME TO status_bus_entries_history');
    await queryRunner.query(`
      ALTER TABLE status_bus_entries_history
        DROP CONSTRAINT status_bus_entries_entry_id_key,
        ALTER COLUMN seq DROP IDENTITY`);
    await queryRunner.query(
      'ALTER INDEX status_bus_entries_pkey RENAME TO status_bus_entries_history_pkey',
    );
    for (const [name] of INDEXES) {
      await queryRunner.query(
        `ALTER INDEX ${name} RENAME TO ${name.replace('status_bus_entries', 'status_bus_entries_history')}`,
      );
    }
    await queryRunner.query(
      'DROP TRIGGER IF EXISTS status_bus_entries_append_only ON status_bus_entries_history',
    );

    await queryRunner.query(`
      CREATE TABLE status_bus_entries (
        seq bigint GENERATED ALWAYS AS IDENTITY (START WITH ${next}),
        ${COLUMNS},
        CONSTRAINT status_bus_entries_pkey PRIMARY KEY (seq)
      ) PARTITION BY RANGE (seq)`);
    await queryRunner.query(
      'CREATE INDEX status_bus_entries_entry_id ON status_bus_entries (entry_id)',
    );
    for (const [name, columns] of INDEXES) {
      await queryRunner.query(`CREATE INDEX ${name} ON status_bus_entries ${columns}`);
    }
    // The history's primary key and indexes become the partitions of the new table's own (the
    // same definitions): only the index on entry_id is built. The constraint spares the attach
    // a scan of its own to check the range.
    await queryRunner.query(
      `ALTER TABLE status_bus_entries_history
         ADD CONSTRAINT status_bus_entries_history_range CHECK (seq < ${next})`,
    );
    await queryRunner.query(
      `ALTER TABLE status_bus_entries ATTACH PARTITION status_bus_entries_history
         FOR VALUES FROM (MINVALUE) TO (${next})`,
    );
    await queryRunner.query(
      'ALTER TABLE status_bus_entries_history DROP CONSTRAINT status_bus_entries_history_range',
    );
    await queryRunner.query(APPEND_ONLY);
    await queryRunner.query(PARTITIONS);
    await queryRunner.query(ADD);
    await queryRunner.query(`
      CREATE TABLE IF NOT EXISTS status_bus_positions (
        at timestamptz PRIMARY KEY,
        seq bigint NOT NULL
      )`);
    await queryRunner.query(APPEND);
    // Older callers (an instance of the previous release, during a rolling upgrade) look
    // through the whole log for duplicates.
    await queryRunner.query(`
      CREATE OR REPLACE FUNCTION status_bus_append(batch json, after_entry uuid, channel text)
        RETURNS TABLE (entry_id uuid, seq bigint)
        LANGUAGE sql AS $$ SELECT * FROM status_bus_append(batch, after_entry, channel, NULL) $$`);
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
    await queryRunner.query(
      `ALTER TABLE status_bus_entries_partitioned
         RENAME CONSTRAINT status_bus_entries_pkey TO status_bus_entries_partitioned_pkey`,
    );
    for (const [name] of [['status_bus_entries_entry_id'], ...INDEXES]) {
      await queryRunner.query(
        `ALTER INDEX ${name} RENAME TO ${name!.replace('status_bus_entries', 'status_bus_entries_partitioned')}`,
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
    await queryRunner.query(SCOPED_APPEND);
    await queryRunner.query(
      'DROP FUNCTION IF EXISTS status_bus_append(json, uuid, text, timestamptz)',
    );
    await queryRunner.query('DROP TABLE IF EXISTS status_bus_positions');
    await queryRunner.query('DROP FUNCTION IF EXISTS status_bus_entries_add(bigint, int)');
    await queryRunner.query('DROP FUNCTION IF EXISTS status_bus_entries_partitions()');
    await queryRunner.query(APPEND_ONLY);
  }
}
