/**
 * `nest-status-bus/openai-realtime`: the voice channel for the OpenAI Agents SDK's realtime
 * sessions. Needs `@openai/agents-realtime` (an optional peer) only for its types.
 */
export { OpenAIRealtimeVoiceChannel } from './openai-realtime/openai-realtime.voice-channel';
export type {
  OpenAIRealtimeVoiceChannelOptions,
  RealtimeVoiceSession,
  RegisterRealtimeSessionOptions,
} from './openai-realtime/openai-realtime.voice-channel';
export { RealtimeTurns } from './openai-realtime/realtime-turns';
export type { RealtimeTransport } from './openai-realtime/realtime-turns';
