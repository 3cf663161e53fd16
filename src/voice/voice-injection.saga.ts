import { Inject, Injectable, Logger } from '@nestjs/common';
import { ICommand, IEvent, Saga } from '@nestjs/cqrs';
import { filter, map, Observable } from 'rxjs';
import type { StatusSaga } from '../cqrs/status-event-handlers';
import { StatusPostedEvent } from '../cqrs/status-posted.event';
import { StatusEntry } from '../entry/status-entry';
import { InjectVoiceUpdateCommand } from './inject-voice-update.command';
import { VoiceChannelResolver } from './voice-channel.resolver';
import { policyFor } from './voice-policy';

import { VOICE_OPTIONS } from './voice-options';
import type { ResolvedVoiceOptions } from './voice-options';

/**
 * Turns the entries the voice agent should hear about (by default: from `exec`, with status
 * `info`, `completed` or `failed`) into {@link InjectVoiceUpdateCommand}s, each with the policy
 * of the first rule that matches it.
 */
@Injectable()
export class VoiceInjectionSaga implements StatusSaga {
  private readonly logger = new Logger('StatusBus');

  /** @internal Nest injects it. */
  constructor(
    @Inject(VOICE_OPTIONS) private readonly voice: ResolvedVoiceOptions,
    private readonly resolver: VoiceChannelResolver,
  ) {}

  /** Whether there is a voice channel to inject into: without one, the saga waits for nothing. */
  get active(): boolean {
    return this.resolver.channel !== undefined;
  }

  /**
   * An error in a saga's operators would complete the saga for good, ending all later
   * injections: each event is mapped by `commandFor`, which never throws. A plain `map` rather
   * than an inner observable per event, which would cost more than the mapping itself, and an
   * `instanceof` in it rather than `ofType`, which makes a closure per event and a stage of
   * its own: this runs on every entry the bus delivers.
   */
  @Saga()
  statusToVoice = (events$: Observable<IEvent>): Observable<ICommand> =>
    events$.pipe(
      map((event) => (event instanceof StatusPostedEvent ? this.commandFor(event) : undefined)),
      filter((command): command is InjectVoiceUpdateCommand => command !== undefined),
    );

  /** `toCommand`, with an error logged and the entry skipped. */
  private commandFor(event: StatusPostedEvent): InjectVoiceUpdateCommand | undefined {
    try {
      return this.toCommand(event.entry);
    } catch (err) {
      const error = err instanceof Error ? err : new Error(String(err));
      this.logger.error(
        `Voice injection skipped entry seq=${event.entry?.seq}: ${error.message}`,
        error.stack,
      );
      return undefined;
    }
  }

  /** The command for `entry`, or `undefined` when the voice agent need not hear of it. */
  toCommand(entry: StatusEntry): InjectVoiceUpdateCommand | undefined {
    const voice = this.voice;
    if (!this.resolver.channel) return undefined;
    // Receipts answer entries; they are not news for the voice agent themselves.
    if (entry.metadata.receipt_for !== undefined) return undefined;
    const policy = policyFor(entry, voice.rules);
    if (!policy) return undefined;
    const roomId = voice.resolveRoom(entry);
    if (!roomId) return undefined;
    return new InjectVoiceUpdateCommand(entry, roomId, voice.format(entry), policy);
  }
}
