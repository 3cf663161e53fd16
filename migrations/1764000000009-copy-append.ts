import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What an append does before it stores anything, as 1764000000008 wrote it for `status_bus_append`:
 * sets `low`, refuses a batch whose predecessor is not stored, and takes the lock that orders
 * appends.
 */
const APPEND_PRELUDE = `
    low := COALESCE((SELECT p.seq FROM status_bus_positions p
                      WHERE p.at <= since - interval '10 minutes' ORDER BY p.at DESC LIMIT 1), 0);
    IF after_entry IS NOT NULL
       AND NOT EXISTS (SELECT 1 FROM status_bus_entries e WHERE e.entry_id = after_entry AND e.seq > low) THEN
      RAISE EXCEPTION 'status_bus_append: the batch before this one (ending with %) is not stored', after_entry
        USING ERRCODE = 'P0001';
    END IF;
    -- 1937072450 is 'sBuS'; the second key is the table this call resolves to.
    PERFORM pg_advisory_xact_lock(1937072450, 'status_bus_entries'::regclass::oid::int);`;

/**
 * The first statement of an append made with COPY, in the transaction that holds it. It does what
 * `status_bus_append` does before it stores anything (the predecessor's check, the lock), then
 * refuses the batch if any of `ids` is already stored, so that the COPY after it never stores an
 * entry twice: the caller then appends the batch with `status_bus_append`, which skips them.
 *
 * It answers the position before the next one the sequence hands out, read under the lock: the
 * position just before the batch's, when nothing else takes positions from the sequence.
 */
const BEGIN = `
  CREATE OR REPLACE FUNCTION status_bus_append_begin(ids uuid[], after_entry uuid, since timestamptz)
    RETURNS bigint
    LANGUAGE plpgsql
    SET enable_seqscan = off
    AS $$
  DECLARE
    low bigint;
    positions regclass := pg_get_serial_sequence('status_bus_entries', 'seq')::regclass;
    last bigint;
  BEGIN${APPEND_PRELUDE}
    IF EXISTS (SELECT 1 FROM status_bus_entries d WHERE d.entry_id = ANY (ids) AND d.seq > low) THEN
      RAISE EXCEPTION 'status_bus_append_begin: entries of this batch are already stored'
        USING ERRCODE = 'unique_violation';
    END IF;
    last := pg_sequence_last_value(positions);
    IF last IS NULL THEN
      -- Never called yet (a new log, or one converted to partitions, whose sequence starts at
      -- the next position): its next value is last_value itself.
      EXECUTE format('SELECT last_value - 1 FROM %s', positions) INTO last;
    END IF;
    RETURN last;
  END $$`;

/** The last statement before the commit: notifies the channel and answers the newest position. */
const END = `
  CREATE OR REPLACE FUNCTION status_bus_append_end(channel text)
    RETURNS bigint
    LANGUAGE plpgsql
    AS $$
  DECLARE
    newest bigint := currval(pg_get_serial_sequence('status_bus_entries', 'seq'));
  BEGIN
    PERFORM pg_notify(channel, newest::text);
    RETURN newest;
  END $$`;

/**
 * Appends by COPY: `status_bus_append_begin`, `COPY status_bus_entries … FROM STDIN` and
 * `status_bus_append_end` in one transaction. COPY stores rows in bulk (several to a page and
 * to a WAL record), where `INSERT … SELECT` stores them one by one after decoding the batch's
 * JSON. Instances of the release before keep calling `status_bus_append`, which takes the same
 * lock.
 */
export class CopyAppend1764000000009 implements MigrationInterface {
  name = 'CopyAppend1764000000009';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(BEGIN);
    await queryRunner.query(END);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP FUNCTION IF EXISTS status_bus_append_end(text)');
    await queryRunner.query(
      'DROP FUNCTION IF EXISTS status_bus_append_begin(uuid[], uuid, timestamptz)',
    );
  }
}
