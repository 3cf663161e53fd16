import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The live voice sessions of every instance, each held under a lease that its instance renews
 * while the session lives. An instance that has no session in a room reads this to tell
 * whether another instance has one, before it receipts an entry as "no voice session"; an
 * instance that dies stops renewing, and its sessions are forgotten when their leases run out.
 */
export class VoiceSessions1764000000006 implements MigrationInterface {
  name = 'VoiceSessions1764000000006';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE IF NOT EXISTS status_bus_voice_sessions (
        room_id text NOT NULL,
        session_id text NOT NULL,
        instance_id text NOT NULL,
        expires_at timestamptz NOT NULL,
        CONSTRAINT status_bus_voice_sessions_pkey PRIMARY KEY (room_id, session_id)
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE IF EXISTS status_bus_voice_sessions');
  }
}
