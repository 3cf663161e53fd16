import { Module } from '@nestjs/common';
import { StatusBackend } from '../backends/status-backend';
import { STATUS_BACKEND } from '../status-bus.constants';
import { STATUS_BUS_MODULE_OPTIONS } from '../status-bus.constants';
import type { StatusBusModuleOptions } from '../status-bus-options.interface';
import { InjectVoiceUpdateHandler } from './inject-voice-update.handler';
import { VoiceChannelResolver } from './voice-channel.resolver';
import { VoiceInjectionSaga } from './voice-injection.saga';
import { resolveVoiceOptions, ResolvedVoiceOptions, VOICE_OPTIONS } from './voice-options';
import { VOICE_STORE } from './voice-store';
import { voiceStoreFor } from './voice-store.for';

/**
 * Telling the voice agent what the other agents did: the saga, the command handler, the voice
 * channel and the store of sessions and delivered injections. Active where there is a voice
 * channel; without one, the saga has no work and nothing is published for it.
 */
@Module({
  providers: [
    // Resolved here, so that a bad option stops the application as it starts.
    {
      provide: VOICE_OPTIONS,
      useFactory: (options: StatusBusModuleOptions | undefined) => resolveVoiceOptions(options),
      inject: [STATUS_BUS_MODULE_OPTIONS],
    },
    {
      provide: VOICE_STORE,
      useFactory: (voice: ResolvedVoiceOptions, backend: StatusBackend) =>
        voice.store ?? voiceStoreFor(backend),
      inject: [VOICE_OPTIONS, STATUS_BACKEND],
    },
    VoiceChannelResolver,
    VoiceInjectionSaga,
    InjectVoiceUpdateHandler,
  ],
})
export class StatusBusVoiceModule {}
