import { backendSql } from '../backends/backend-sql';
import { StatusBackend } from '../backends/status-backend';
import { PostgresVoiceStore } from './postgres-voice.store';
import { InMemoryVoiceStore, VoiceStore } from './voice-store';

/**
 * The voice store for a backend: beside the log in PostgreSQL when the backend is the
 * PostgreSQL one, in this process otherwise.
 */
export function voiceStoreFor(backend: StatusBackend): VoiceStore {
  const sql = backendSql(backend);
  return sql ? new PostgresVoiceStore(sql) : new InMemoryVoiceStore();
}
