import { MigrationInterface, QueryRunner } from 'typeorm';

/** The append of 1764000000000, with or without the room column. */
function appendFunction(withRoom: boolean): string {
  const room = withRoom ? ', room_id' : '';
  const roomValue = withRoom ? `, COALESCE(r.room_id, 'default')` : '';
  const roomColumn = withRoom ? ', room_id text' : '';
  return `
    CREATE OR REPLACE FUNCTION status_bus_append(batch json)
      RETURNS TABLE (entry_id uuid, seq bigint)
      LANGUAGE plpgsql AS $$
    DECLARE
      inserted bigint;
    BEGIN
      PERFORM pg_advisory_xact_lock(4107206218151937171);
      RETURN QUERY
        WITH added AS (
          INSERT INTO status_bus_entries AS e (entry_id, ts, agent_id, action, status, detail, metadata${room})
          SELECT r.entry_id, r.ts, r.agent_id, r.action, r.status, r.detail, r.metadata${roomValue}
            FROM ROWS FROM (json_to_recordset(batch) AS (
                   entry_id uuid, ts timestamptz, agent_id text, action text,
                   status text, detail text, metadata jsonb${roomColumn}))
                 WITH ORDINALITY AS r (entry_id, ts, agent_id, action, status, detail, metadata${room}, ord)
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
}

/**
 * Rooms: every entry belongs to one conversation, in a column of its own with an index for
 * reads by room. Entries stored before rooms existed land in the room `default`.
 */
export class AddRooms1764000000002 implements MigrationInterface {
  name = 'AddRooms1764000000002';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `ALTER TABLE status_bus_entries ADD COLUMN IF NOT EXISTS room_id text NOT NULL DEFAULT 'default'`,
    );
    await queryRunner.query(
      'CREATE INDEX IF NOT EXISTS status_bus_entries_room_seq ON status_bus_entries (room_id, seq)',
    );
    await queryRunner.query(appendFunction(true));
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(appendFunction(false));
    await queryRunner.query('DROP INDEX IF EXISTS status_bus_entries_room_seq');
    await queryRunner.query('ALTER TABLE status_bus_entries DROP COLUMN room_id');
  }
}
