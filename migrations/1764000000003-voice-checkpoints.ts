import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The speak-once checkpoint: per room and voice session, the last entry it was told. A claim
 * moves it forward atomically, so no two instances, and no replay after a restart, tell a
 * session the same entry twice.
 */
export class VoiceCheckpoints1764000000003 implements MigrationInterface {
  name = 'VoiceCheckpoints1764000000003';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE IF NOT EXISTS status_bus_voice_checkpoints (
        room_id text NOT NULL,
        session_id text NOT NULL,
        last_seq bigint NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT status_bus_voice_checkpoints_pkey PRIMARY KEY (room_id, session_id)
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE IF EXISTS status_bus_voice_checkpoints');
  }
}
