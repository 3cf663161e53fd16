import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { VOICE_CHANNEL, VoiceChannel } from './voice-channel.interface';

/**
 * Finds the voice channel: `voice.channel` from the options, else a `VOICE_CHANNEL` provider
 * anywhere in the application (so it need not be exported to this module). Says once, at
 * start, when there is none and injection is therefore off.
 */
import { VOICE_OPTIONS } from './voice-options';
import type { ResolvedVoiceOptions } from './voice-options';
@Injectable()
export class VoiceChannelResolver implements OnModuleInit {
  private resolved: VoiceChannel | undefined;
  private readonly logger = new Logger('StatusBus');

  constructor(
    private readonly moduleRef: ModuleRef,
    @Inject(VOICE_OPTIONS) private readonly voice: ResolvedVoiceOptions,
  ) {}

  /**
   * The channel, once the application's providers are created (before the bus connects its
   * sinks, which asks whether the voice saga has work); `undefined` when injection is off.
   */
  get channel(): VoiceChannel | undefined {
    return this.resolved;
  }

  onModuleInit(): void {
    const { enabled, channel } = this.voice;
    if (!enabled) return;
    this.resolved = channel ?? this.lookUp();
    if (!this.resolved) {
      this.logger.log(
        'Voice injection is off: no VOICE_CHANNEL provider in the application and no voice.channel option.',
      );
    }
  }

  private lookUp(): VoiceChannel | undefined {
    try {
      return this.moduleRef.get<VoiceChannel>(VOICE_CHANNEL, { strict: false });
    } catch {
      return undefined;
    }
  }
}
