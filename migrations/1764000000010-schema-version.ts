import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The schema's version, in one stored function the bus reads at start
 * (`status_bus_schema_version()`): the timestamp of the newest migration that ran. It replaces
 * looking for each table and function a release needs; a later migration that changes what the
 * bus calls replaces the function with its own timestamp, and its `down` puts the one before
 * back.
 */
export class SchemaVersion1764000000010 implements MigrationInterface {
  name = 'SchemaVersion1764000000010';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE OR REPLACE FUNCTION status_bus_schema_version()
        RETURNS bigint LANGUAGE sql IMMUTABLE AS $$ SELECT 1764000000010::bigint $$`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP FUNCTION IF EXISTS status_bus_schema_version()');
  }
}
