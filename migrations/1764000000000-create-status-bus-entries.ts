import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The status log: one append-only table with a global order.
 *
 * `seq` is taken from an identity column inside `status_bus_append`, which holds a
 * transaction-scoped advisory lock until commit. Appends are therefore serialised, and a
 * position becomes visible only after every lower position has committed: a reader that
 * remembers the last `seq` it saw never skips an entry committed late. `entry_id` makes a
 * retried append (commit outcome unknown) idempotent.
 */
export class CreateStatusBusEntries1764000000000 implements MigrationInterface {
  name = 'CreateStatusBusEntries1764000000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE IF NOT EXISTS status_bus_entries (
        seq bigint GENERATED ALWAYS AS IDENTITY,
        entry_id uuid NOT NULL,
        ts timestamptz NOT NULL,
        agent_id text NOT NULL,
        action text NOT NULL,
        status text NOT NULL,
        detail text NOT NULL DEFAULT '',
        metadata jsonb NOT NULL DEFAULT '{}'::jsonb,
        CONSTRAINT status_bus_entries_pkey PRIMARY KEY (seq),
        CONSTRAINT status_bus_entries_entry_id_key UNIQUE (entry_id),
        CONSTRAINT status_bus_entries_status_check
          CHECK (status IN ('ok', 'failed', 'pending', 'info', 'completed')),
        CONSTRAINT status_bus_entries_metadata_check CHECK (jsonb_typeof(metadata) = 'object')
      )`);
    // recent(n, filters) and hasCompleted read newest-first along one of these.
    await queryRunner.query(
      'CREATE INDEX IF NOT EXISTS status_bus_entries_agent_seq ON status_bus_entries (agent_id, seq)',
    );
    await queryRunner.query(
      'CREATE INDEX IF NOT EXISTS status_bus_entries_status_seq ON status_bus_entries (status, seq)',
    );
    await queryRunner.query(
      'CREATE INDEX IF NOT EXISTS status_bus_entries_agent_status_seq ON status_bus_entries (agent_id, status, seq)',
    );
    await queryRunner.query(`
      CREATE OR REPLACE FUNCTION status_bus_entries_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'status_bus_entries is append-only: % is not allowed', TG_OP;
      END $$`);
    await queryRunner.query(
      'DROP TRIGGER IF EXISTS status_bus_entries_append_only ON status_bus_entries',
    );
    await queryRunner.query(`
      CREATE TRIGGER status_bus_entries_append_only
        BEFORE UPDATE OR DELETE ON status_bus_entries
        FOR EACH ROW EXECUTE FUNCTION status_bus_entries_append_only()`);
    // One round trip per batch: lock, insert in the given order, notify, all in one statement.
    await queryRunner.query(`
      CREATE OR REPLACE FUNCTION status_bus_append(batch json)
        RETURNS TABLE (entry_id uuid, seq bigint)
        LANGUAGE plpgsql AS $$
      DECLARE
        inserted bigint;
      BEGIN
        PERFORM pg_advisory_xact_lock(4107206218151937171);
        RETURN QUERY
          WITH added AS (
            INSERT INTO status_bus_entries AS e (entry_id, ts, agent_id, action, status, detail, metadata)
            SELECT r.entry_id, r.ts, r.agent_id, r.action, r.status, r.detail, r.metadata
              FROM ROWS FROM (json_to_recordset(batch) AS (
                     entry_id uuid, ts timestamptz, agent_id text, action text,
                     status text, detail text, metadata jsonb))
                   WITH ORDINALITY AS r (entry_id, ts, agent_id, action, status, detail, metadata, ord)
             ORDER BY r.ord
            ON CONFLICT ON CONSTRAINT status_bus_entries_entry_id_key DO NOTHING
            RETURNING e.entry_id, e.seq
          )
          SELECT added.entry_id, added.seq FROM added;
        GET DIAGNOSTICS inserted = ROW_COUNT;
        IF inserted > 0 THEN
          -- A wake-up for other instances, carrying only the newest position.
          PERFORM pg_notify('status_bus', currval(pg_get_serial_sequence('status_bus_entries', 'seq'))::text);
        END IF;
      END $$`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP FUNCTION IF EXISTS status_bus_append(json)');
    await queryRunner.query('DROP TABLE IF EXISTS status_bus_entries');
    await queryRunner.query('DROP FUNCTION IF EXISTS status_bus_entries_append_only()');
  }
}
