import { StatusBackend } from '../backends/status-backend';
import { PostgresVoiceStore } from './postgres-voice.store';
import { InMemoryVoiceStore, VoiceStore } from './voice-store';

/**
 * The voice store for a backend: beside the log when the backend offers its SQL port (the
 * PostgreSQL one does), in this process otherwise.
 */
export function voiceStoreFor(backend: StatusBackend): VoiceStore {
  return backend.sql ? new PostgresVoiceStore(backend.sql.query) : new InMemoryVoiceStore();
}
