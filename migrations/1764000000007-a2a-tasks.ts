import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The A2A tasks (`nest-status-bus/a2a`): the latest state of each task, scoped by tenant and
 * owner, shared by every instance serving the agent. The events that led to it are entries of
 * the log; a row records the position of the last one it reflects (`seq`), so that a writer
 * holding an older state cannot set it back.
 */
export class A2aTasks1764000000007 implements MigrationInterface {
  name = 'A2aTasks1764000000007';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE IF NOT EXISTS status_bus_a2a_tasks (
        tenant text NOT NULL,
        owner text NOT NULL,
        task_id text NOT NULL,
        context_id text NOT NULL,
        state smallint NOT NULL,
        status_ms bigint NOT NULL,
        seq bigint NOT NULL,
        task jsonb NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT status_bus_a2a_tasks_pkey PRIMARY KEY (tenant, owner, task_id)
      )`);
    await queryRunner.query(`
      CREATE INDEX IF NOT EXISTS status_bus_a2a_tasks_listed
        ON status_bus_a2a_tasks (tenant, owner, status_ms DESC, task_id COLLATE "C" DESC)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE IF EXISTS status_bus_a2a_tasks');
  }
}
