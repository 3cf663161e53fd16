import { MigrationInterface, QueryRunner } from 'typeorm';
import { appendFunction } from './1764000000002-add-rooms';

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
 */
export class NotifyWithEntries1764000000004 implements MigrationInterface {
  name = 'NotifyWithEntries1764000000004';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE OR REPLACE FUNCTION status_bus_append(batch json)
        RETURNS TABLE (entry_id uuid, seq bigint)
        LANGUAGE plpgsql AS $$
      DECLARE
        ids uuid[];
        seqs bigint[];
        message text;
      BEGIN
        PERFORM pg_advisory_xact_lock(4107206218151937171);
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
        SELECT array_agg(added.entry_id ORDER BY added.seq), array_agg(added.seq ORDER BY added.seq)
          INTO ids, seqs FROM added;
        IF cardinality(seqs) > 0 THEN
          IF cardinality(seqs) <= 32 THEN
            SELECT json_agg(json_build_object(
                     'seq', e.seq, 'entry_id', e.entry_id,
                     'ts', to_char(e.ts AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"+00:00"'),
                     'agent_id', e.agent_id, 'action', e.action, 'status', e.status,
                     'detail', e.detail, 'metadata', e.metadata, 'room_id', e.room_id)
                   ORDER BY e.seq)::text
              INTO message
              FROM status_bus_entries e WHERE e.seq = ANY (seqs);
          END IF;
          IF message IS NULL OR octet_length(message) >= 8000 THEN
            message := seqs[cardinality(seqs)]::text;
          END IF;
          PERFORM pg_notify('status_bus', message);
        END IF;
        RETURN QUERY SELECT * FROM unnest(ids, seqs);
      END $$`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(appendFunction(true));
  }
}
