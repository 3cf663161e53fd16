import { MigrationInterface, QueryRunner } from 'typeorm';

/** The append as 1764000000004 left it, which `down` restores. */
const NOTIFY_WITH_ENTRIES_APPEND = `
      CREATE OR REPLACE FUNCTION status_bus_append(batch json)
        RETURNS TABLE (entry_id uuid, seq bigint)
        LANGUAGE plpgsql AS $$
      DECLARE
        inserted bigint;
        last_seq bigint;
        message text;
      BEGIN
        PERFORM pg_advisory_xact_lock(4107206218151937171);
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
        IF inserted = 0 THEN
          RETURN;
        END IF;
        last_seq := currval(pg_get_serial_sequence('status_bus_entries', 'seq'));
        -- Positions come one after another within an append, except where an entry already
        -- stored (a retried append) took one and was skipped: the range then holds fewer of this
        -- append's entries than it inserted, and listeners read the rest.
        IF inserted <= 32 THEN
          SELECT json_agg(json_build_object(
                   'seq', e.seq, 'entry_id', e.entry_id,
                   'ts', to_char(e.ts AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"+00:00"'),
                   'agent_id', e.agent_id, 'action', e.action, 'status', e.status,
                   'detail', e.detail, 'metadata', e.metadata, 'room_id', e.room_id)
                 ORDER BY e.seq)::text
            INTO message
            FROM status_bus_entries e WHERE e.seq > last_seq - inserted AND e.seq <= last_seq;
        END IF;
        IF message IS NULL OR octet_length(message) >= 8000 THEN
          message := last_seq::text;
        END IF;
        PERFORM pg_notify('status_bus', message);
      END $$`;

/** The append as this migration defines it; the next migration restores a copy of it when reverted. */
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

/**
 * An append scoped to its own table, so that buses in different schemas of one database (or
 * with different channels) never see each other:
 *
 * - `status_bus_append(batch, after_entry, channel)` notifies `channel`, which the backend
 *   derives from the schema of the table it uses (or takes from `postgres.channel`), and which
 *   each instance of that bus listens on.
 * - The advisory lock that serialises appends is keyed by the table's own oid rather than by one
 *   number for the whole database: two tables never wait for each other.
 * - The notification carries the newest position only. It is a hint, never the log: listeners
 *   read the table from their own position, so nothing sent on the channel by anyone else can
 *   make them deliver, skip or stall. (Payloads carrying rows, from the previous migration,
 *   cost a JSON aggregate per append; a listener that must read anyway has no use for them.)
 *
 * The older signatures stay, for instances still running the previous release during a rolling
 * upgrade: they now take the same lock and notify `status_bus` with a position, which those
 * instances understand.
 */
export class ScopedAppend1764000000005 implements MigrationInterface {
  name = 'ScopedAppend1764000000005';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(SCOPED_APPEND);
    await queryRunner.query(`
      CREATE OR REPLACE FUNCTION status_bus_append(batch json)
        RETURNS TABLE (entry_id uuid, seq bigint)
        LANGUAGE sql AS $$ SELECT * FROM status_bus_append(batch, NULL, 'status_bus') $$`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(NOTIFY_WITH_ENTRIES_APPEND);
    await queryRunner.query('DROP FUNCTION IF EXISTS status_bus_append(json, uuid, text)');
  }
}
