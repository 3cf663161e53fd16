import { StatusBackend } from '../backends/status-backend';
import { PostgresVoiceStore, SqlRunner } from './postgres-voice.store';
import { InMemoryVoiceStore, VoiceStore } from './voice-store';

/**
 * The voice store for a backend: beside the log in PostgreSQL when the backend is the
 * PostgreSQL one (it runs SQL on its connection with `query`), in this process otherwise.
 */
export function voiceStoreFor(backend: StatusBackend): VoiceStore {
  const sql = (backend as { query?: SqlRunner }).query;
  if (typeof sql === 'function' && backend.constructor.name === 'PostgresStatusBackend') {
    const query: SqlRunner = <T>(statement: string, params?: unknown[]) =>
      sql.call<StatusBackend, [string, unknown[] | undefined], Promise<T[]>>(
        backend,
        statement,
        params,
      );
    return new PostgresVoiceStore(query);
  }
  return new InMemoryVoiceStore();
}
