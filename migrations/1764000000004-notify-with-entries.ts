import { MigrationInterface, QueryRunner } from 'typeorm';

/** The append as 1764000000002 left it, which `down` restores. */
const ROOMS_APPEND = `
    CREATE OR REPLACE FUNCTION status_bus_append(batch json)
      RETURNS TABLE (entry_id uuid, seq bigint)
      LANGUAGE plpgsql AS $$
    DECLARE
      inserted bigint;
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
      IF inserted > 0 THEN
        PERFORM pg_notify('status_bus', currval(pg_get_serial_sequence('status_bus_entries', 'seq'))::text);
      END IF;
    END $$`;

/** The append as this migration defines it; the next migration restores a copy of it when reverted. */
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

/**
 * The notification of a small append carries its entries, so other instances deliver them
 * without reading them back: one round trip less between a post on one instance and its
 * subscribers on another.
 *
 * The payload is a JSON array of the appended rows (the columns the backend reads, `ts` in the
 * same form) when the append inserted at most 32 entries and the array fits PostgreSQL's
 * 8,000-byte limit on payloads; otherwise it is the newest position alone, as before, and
 * listeners read from the table. Listeners that predate this migration see a payload that is
 * not a number and simply read, so instances can be upgraded one at a time.
 *
 * A row written behind the bus's back (without its lock) could take a position inside an
 * append's range; the payload then shows what is committed there, and the feed, which delivers
 * without a read only a run that follows on from what it has delivered, reads the rest.
 */
export class NotifyWithEntries1764000000004 implements MigrationInterface {
  name = 'NotifyWithEntries1764000000004';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(NOTIFY_WITH_ENTRIES_APPEND);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(ROOMS_APPEND);
  }
}
