import type { SqlPort, SqlRunner } from '../backends/sql-port';
import { VoiceStore } from './voice-store';

/**
 * The voice store in PostgreSQL, beside the log, in the tables `status_bus_voice_checkpoints`
 * and `status_bus_voice_sessions` (created by the bus's migrations), shared by every instance
 * on the database. Runs its statements through the backend's connection, so it needs no
 * database package of its own.
 */
export class PostgresVoiceStore extends VoiceStore {
  readonly shared = true;

  private readonly sql: SqlRunner;

  /** Registers with the port's retention what this store keeps: checkpoints untouched since. */
  constructor(port: SqlPort) {
    super();
    this.sql = port.query;
    port.onRetention?.((horizon) =>
      port.query('DELETE FROM status_bus_voice_checkpoints WHERE updated_at < $1', [horizon]),
    );
  }

  async claim(roomId: string, sessionId: string, seq: number): Promise<boolean> {
    const rows = await this.sql<{ claimed: number }>(
      `INSERT INTO status_bus_voice_checkpoints AS c (room_id, session_id, last_seq)
       VALUES ($1, $2, $3)
       ON CONFLICT (room_id, session_id) DO UPDATE
         SET last_seq = EXCLUDED.last_seq, updated_at = now()
         WHERE c.last_seq < EXCLUDED.last_seq
       RETURNING 1 AS claimed`,
      [roomId, sessionId, seq],
    );
    return rows.length === 1;
  }

  override async hold(
    holder: string,
    roomId: string,
    sessionIds: readonly string[],
    leaseMs: number,
  ): Promise<void> {
    // Also forgets the room's sessions whose leases ran out, so the table stays small.
    await this.sql(
      `WITH gone AS (
         DELETE FROM status_bus_voice_sessions
          WHERE room_id = $2 AND NOT session_id = ANY($3::text[])
            AND (instance_id = $1 OR expires_at < now())
       )
       INSERT INTO status_bus_voice_sessions (room_id, session_id, instance_id, expires_at)
       SELECT $2, s, $1, now() + $4 * interval '1 millisecond' FROM unnest($3::text[]) AS s
       ON CONFLICT (room_id, session_id) DO UPDATE
         SET instance_id = EXCLUDED.instance_id, expires_at = EXCLUDED.expires_at`,
      [holder, roomId, sessionIds, leaseMs],
    );
  }

  override async held(roomId: string): Promise<boolean> {
    const rows = await this.sql<{ held: boolean }>(
      `SELECT EXISTS (SELECT 1 FROM status_bus_voice_sessions
                       WHERE room_id = $1 AND expires_at > now()) AS held`,
      [roomId],
    );
    return rows[0]?.held ?? false;
  }
}
