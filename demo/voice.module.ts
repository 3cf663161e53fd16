import { Module } from '@nestjs/common';
import { VOICE_CHANNEL } from '../src';
import { OpenAIRealtimeVoiceChannel } from '../src/openai-realtime';
import { ScriptedVoiceCall } from './scripted-voice-call';

/** Binds the voice provider; the status bus finds it without an export. */
@Module({
  providers: [
    OpenAIRealtimeVoiceChannel,
    { provide: VOICE_CHANNEL, useExisting: OpenAIRealtimeVoiceChannel },
    ScriptedVoiceCall,
  ],
})
export class VoiceModule {}
