import { Module } from '@nestjs/common';
import { VOICE_CHANNEL } from '../src';
import { ConsoleVoiceChannel } from './console-voice-channel';

/** Binds the voice provider; the status bus finds it without an export. */
@Module({ providers: [{ provide: VOICE_CHANNEL, useClass: ConsoleVoiceChannel }] })
export class VoiceModule {}
