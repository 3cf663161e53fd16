import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `status_bus_append(batch, after_entry)`: the append of the first migration, which also refuses
 * to run unless `after_entry` (the last entry of the batch sent before it) is stored. A writer
 * may then send its next batch before the previous one has answered, on the same connection:
 * if the previous one failed, this one fails too, and both are resent in order.
 */
export class AppendAfterPredecessor1764000000001 implements MigrationInterface {
  name = 'AppendAfterPredecessor1764000000001';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE OR REPLACE FUNCTION status_bus_append(batch json, after_entry uuid)
        RETURNS TABLE (entry_id uuid, seq bigint)
        LANGUAGE plpgsql AS $$
      BEGIN
        IF after_entry IS NOT NULL
           AND NOT EXISTS (SELECT 1 FROM status_bus_entries e WHERE e.entry_id = after_entry) THEN
          RAISE EXCEPTION 'status_bus_append: the batch before this one (ending with %) is not stored', after_entry
            USING ERRCODE = 'P0001';
        END IF;
        RETURN QUERY SELECT * FROM status_bus_append(batch);
      END $$`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP FUNCTION IF EXISTS status_bus_append(json, uuid)');
  }
}
