import { StatusBackend } from '../backends/status-backend';
import { PostgresVoiceStore } from './postgres-voice.store';
import { RedisVoiceStore } from './redis-voice.store';
import { InMemoryVoiceStore, VoiceStore } from './voice-store';

/**
 * The voice store for a backend: beside the log when the backend offers its SQL port (the
 * PostgreSQL one does) or its script port (the Redis one), in this process otherwise.
 */
export function voiceStoreFor(backend: StatusBackend): VoiceStore {
  if (backend.sql) return new PostgresVoiceStore(backend.sql);
  if (backend.scripts) return new RedisVoiceStore(backend.scripts);
  return new InMemoryVoiceStore();
}
