// The root entry holds the core and the features every application may wire; the parts that
// need packages of their own have entries of their own (`nest-status-bus/postgres`, `/redis`,
// `/admin`, `/testing`, `/a2a`, …), and nothing is exported from two entries.
export { StatusBusModule } from './status-bus.module';
export { StatusBusService } from './status-bus.service';
export type { StatusBus } from './status-bus.interface';
export { MAX_RECENT } from './log/status-query';
export type { StatusBusHealth, StatusBusHealthState, StatusBusStats } from './log/status-health';
export type { StatusInstrumentation } from './log/status-instrumentation';
export type { StatusBusModuleOptions } from './status-bus-options.interface';
export type { StatusRetentionOptions } from './retention/retention-options';
export type { JsonlRotationOptions } from './persistence/jsonl-rotation';
export { STATUS_POSTED, STATUS_BACKEND } from './status-bus.constants';
export { StatusEntry } from './entry/status-entry';
export type {
  PostOptions,
  StatusEntryContext,
  StatusEntryJson,
  StatusEntryProps,
} from './entry/status-entry';
export type { JsonValue, StatusMetadata } from './entry/status-entry.validation';
export { STATUS_LEVELS, isStatusLevel } from './entry/status-level';
export type { StatusLevel } from './entry/status-level';
export { DEFAULT_ENTRY_LIMITS } from './entry/status-entry-limits';
export type { StatusEntryLimits } from './entry/status-entry-limits';
export { formatRecentText, formatSummary } from './entry/status-text.format';
export { StatusBackend } from './backends/status-backend';
export type { StatusFilter, StatusMaintenance, StopWatching } from './backends/status-backend';
export { InMemoryStatusBackend, DEFAULT_MAX_ENTRIES } from './backends/in-memory-status.backend';
export type { StatusSubscriber, SubscribeOptions, Unsubscribe } from './delivery/status-subscriber';
export {
  StatusBusError,
  InvalidStatusEntryError,
  InvalidStatusQueryError,
  StatusBusClosedError,
  StatusBufferFullError,
  StatusStoreTimeoutError,
  StatusBusConfigError,
  StatusResumePointLostError,
  StatusStoreUnavailableError,
} from './errors/status-bus.errors';
export { StatusPostedEvent } from './cqrs/status-posted.event';
export { VOICE_CHANNEL } from './voice/voice-channel.interface';
export { VoiceStore, InMemoryVoiceStore } from './voice/voice-store';
export { RedisVoiceStore } from './voice/redis-voice.store';
export type { SqlPort } from './backends/sql-port';
export type { ScriptPort } from './backends/script-port';
export type {
  HeardOutcome,
  InjectTextOptions,
  VoiceChannel,
  VoiceInjection,
} from './voice/voice-channel.interface';
export type { VoiceInjectionOptions } from './voice/voice-injection-options.interface';
export type { VoicePolicy, VoiceRule } from './voice/voice-policy';
export { InjectVoiceUpdateCommand } from './voice/inject-voice-update.command';
export type { VoiceInjectionResult } from './voice/inject-voice-update.command';
export {
  DelegationGuardService,
  DELEGATION_REFUSED_MESSAGE,
} from './delegation/delegation-guard.service';
export { StatusBusDelegationModule } from './delegation/status-bus-delegation.module';
export type { DelegationCheck, DelegationDecision } from './delegation/delegation-guard.service';
export type { DelegationGuardOptions } from './delegation/delegation-guard-options.interface';
export { DEFAULT_ROOM_ID } from './entry/status-room';
export type { AgentSnapshot } from './snapshot/agent-snapshot';
export { createReadProgressTool } from './snapshot/read-progress.tool';
export type {
  ReadProgressArgs,
  ReadProgressTool,
  ReadProgressToolDefinition,
} from './snapshot/read-progress.tool';
