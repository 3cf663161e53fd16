import { Command } from '@nestjs/cqrs';
import { StatusEntry } from '../entry/status-entry';
import { VoicePolicy } from './voice-policy';

/** What an injection did: how many sessions of the room got the text, were queued or failed. */
export interface VoiceInjectionResult {
  roomId: string;
  injected: number;
  queued: number;
  failed: number;
}

/** Tell the voice sessions of `roomId` the `text` about `entry`, as `policy` says. */
export class InjectVoiceUpdateCommand extends Command<VoiceInjectionResult> {
  constructor(
    readonly entry: StatusEntry,
    readonly roomId: string,
    readonly text: string,
    readonly policy: VoicePolicy = 'silent',
  ) {
    super();
  }
}
