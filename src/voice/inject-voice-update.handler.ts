import { Inject, Logger, OnModuleDestroy } from '@nestjs/common';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { StatusEntry } from '../entry/status-entry';
import { timestampMillis } from '../entry/status-timestamp';
import { StatusBusService } from '../status-bus.service';
import { STATUS_BUS_SERVICE } from '../status-bus.constants';
import { withTimeout } from '../util/with-timeout';
import { InjectVoiceUpdateCommand, VoiceInjectionResult } from './inject-voice-update.command';
import { VoiceChannel, VoiceInjection } from './voice-channel.interface';
import { VoiceChannelResolver } from './voice-channel.resolver';
import { VoiceDeliveryOutcome, VoicePolicy } from './voice-policy';
import { VoiceSessionLeases } from './voice-session-leases';
import { VOICE_STORE, VoiceStore } from './voice-store';
import { VOICE_OPTIONS } from './voice-options';
import type { ResolvedVoiceOptions } from './voice-options';
import { QueuedUpdate, VoiceSessionQueue } from './voice-session-queue';

/** The checkpoint of a room's own decisions (a "no voice session" receipt), beside its sessions'. */
const ROOM_CHECKPOINT = '';

/**
 * Delivers updates to the voice sessions of a room as their policy says, and says what it did:
 * every decision is posted back on the bus as a receipt linked to the entry (`receipt_for`).
 *
 * Updates to one room run one after another, in log order. Each session is told an entry at
 * most once: a claim on the backend's checkpoint comes before every injection, so neither a
 * replay, a restart nor a second instance repeats it. A failing or hung session is logged,
 * receipted and skipped; it never blocks the rest.
 *
 * With several instances on one store, each entry reaches every instance, but a room's
 * sessions live on some of them: each instance receipts what it did for its own sessions, and
 * "no voice session" is receipted once, by one instance, and only when no instance holds a
 * session in the room (see {@link VoiceSessionLeases}).
 */
@CommandHandler(InjectVoiceUpdateCommand)
export class InjectVoiceUpdateHandler
  implements ICommandHandler<InjectVoiceUpdateCommand>, OnModuleDestroy
{
  private readonly logger = new Logger('StatusBus');
  /** The tail of each room's chain of deliveries. */
  private readonly rooms = new Map<string, Promise<unknown>>();
  /** The tail of each room's chain of "no voice session" decisions. */
  private readonly unheard = new Map<string, Promise<unknown>>();
  private readonly leases: VoiceSessionLeases;
  private stopped = false;
  /** `when_idle` updates waiting, per session. */
  private readonly queues = new Map<unknown, VoiceSessionQueue>();

  constructor(
    private readonly resolver: VoiceChannelResolver,
    @Inject(STATUS_BUS_SERVICE) private readonly bus: StatusBusService,
    @Inject(VOICE_STORE) private readonly store: VoiceStore,
    @Inject(VOICE_OPTIONS) private readonly voice: ResolvedVoiceOptions,
  ) {
    this.leases = new VoiceSessionLeases(this.store, voice.sessionLeaseMs, async (roomId) => {
      const channel = this.resolver.channel;
      if (!channel) return [];
      const sessions = await this.call(() => channel.getRoomSessions(roomId), 'getRoomSessions');
      return sessions.map((s) => this.sessionId(channel, s));
    });
  }

  /** @internal Stops listening for idle sessions and lets this instance's sessions go. */
  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    for (const queue of this.queues.values()) queue.stopListening?.();
    this.queues.clear();
    await this.leases.stop();
  }

  execute(command: InjectVoiceUpdateCommand): Promise<VoiceInjectionResult> {
    return this.inRoom(command.roomId, () => this.deliver(command));
  }

  private inRoom<T>(roomId: string, work: () => Promise<T>): Promise<T> {
    return chain(this.rooms, roomId, work);
  }

  private async deliver({
    entry,
    roomId,
    text,
    policy,
  }: InjectVoiceUpdateCommand): Promise<VoiceInjectionResult> {
    const result: VoiceInjectionResult = { roomId, injected: 0, queued: 0, failed: 0 };
    const channel = this.resolver.channel;
    if (!channel) return result;
    if (policy === 'drop') {
      this.receipt(entry, roomId, 'dropped');
      return result;
    }
    let sessions: readonly unknown[];
    try {
      sessions = await this.call(() => channel.getRoomSessions(roomId), 'getRoomSessions');
    } catch (err) {
      this.logger.error(
        `Voice delivery of seq=${entry.seq}: room "${roomId}": ${(err as Error).message}`,
      );
      this.receipt(entry, roomId, 'failed', undefined, (err as Error).message);
      return { ...result, failed: 1 };
    }
    const ids = sessions.map((s) => this.sessionId(channel, s));
    try {
      // Before any receipt, so that an instance without a session here sees this one's.
      await this.leases.hold(roomId, ids);
    } catch (err) {
      this.logger.warn(`Holding the voice sessions of room "${roomId}": ${(err as Error).message}`);
    }
    if (sessions.length === 0) {
      this.noSession(entry, roomId);
      return result;
    }
    for (const session of sessions) {
      const update = { entry, roomId, text };
      // The claim is made in log order, when the entry is first dealt with for this session,
      // even if it is then queued: the checkpoint only moves forward.
      let claimed: boolean;
      try {
        claimed = await this.claim(roomId, this.sessionId(channel, session), entry.seq!);
      } catch (err) {
        this.logger.error(
          `Voice delivery of seq=${entry.seq}: checkpoint: ${(err as Error).message}`,
        );
        this.receipt(
          entry,
          roomId,
          'failed',
          this.sessionId(channel, session),
          (err as Error).message,
        );
        result.failed += 1;
        continue;
      }
      if (!claimed) continue; // this session was told this entry already
      const outcome =
        policy === 'when_idle' && channel.isIdle && channel.onIdle && !channel.isIdle(session)
          ? this.enqueue(channel, session, update)
          : await this.inject(channel, session, update, policy);
      if (outcome === 'injected') result.injected += 1;
      else if (outcome === 'queued') result.queued += 1;
      else if (outcome === 'failed') result.failed += 1;
    }
    return result;
  }

  /**
   * Nobody here to tell: said in a receipt rather than lost without a word, unless another
   * instance holds a session in the room (it receipts what it does) or has said it already.
   * On a shared store the decision waits `noSessionGraceMs`, outside the room's delivery chain,
   * for the instance that holds a session to deal with the entry; decisions for one room are
   * made in log order, as the room's checkpoint only moves forward.
   */
  private noSession(entry: StatusEntry, roomId: string): void {
    const say = () =>
      this.receipt(entry, roomId, 'dropped', undefined, 'no voice session in the room');
    if (!this.leases.shared) return say();
    const grace = this.voice.noSessionGraceMs;
    void chain(this.unheard, roomId, async () => {
      await new Promise((resolve) => setTimeout(resolve, grace).unref());
      if (this.stopped || (await this.leases.heldAnywhere(roomId))) return;
      if (await this.claim(roomId, ROOM_CHECKPOINT, entry.seq!)) say();
    }).catch((err: Error) =>
      this.logger.warn(`Voice delivery of seq=${entry.seq}: room "${roomId}": ${err.message}`),
    );
  }

  /** Queues a `when_idle` update for a busy session, superseding an older one of its task. */
  private enqueue(
    channel: VoiceChannel,
    session: unknown,
    update: QueuedUpdate,
  ): VoiceDeliveryOutcome {
    let queue = this.queues.get(session);
    if (!queue) {
      const created = new VoiceSessionQueue();
      created.stopListening = channel.onIdle!(session, () => void this.flush(channel, session));
      this.queues.set(session, created);
      queue = created;
    }
    const superseded = queue.push(update);
    if (superseded)
      this.receipt(
        superseded.entry,
        superseded.roomId,
        'superseded',
        this.sessionId(channel, session),
      );
    this.receipt(update.entry, update.roomId, 'queued', this.sessionId(channel, session));
    return 'queued';
  }

  /**
   * The session became idle, or closed: tell it what waited, in order, in each update's room
   * chain (a closed session's updates are dropped there, and its queue goes).
   */
  private async flush(channel: VoiceChannel, session: unknown): Promise<void> {
    const queue = this.queues.get(session);
    if (!queue) return;
    if (!isOpen(channel, session)) {
      queue.stopListening?.();
      this.queues.delete(session);
    }
    for (const update of queue.drain()) {
      await this.inRoom(update.roomId, () => this.inject(channel, session, update, 'silent'));
    }
  }

  /** Expiry, then the injection itself; a receipt for each outcome. */
  private async inject(
    channel: VoiceChannel,
    session: unknown,
    { entry, roomId, text }: QueuedUpdate,
    policy: VoicePolicy,
  ): Promise<VoiceDeliveryOutcome | undefined> {
    const sessionId = this.sessionId(channel, session);
    const { role, silent, maxAgeMs } = this.voice;
    const age = this.voice.clock() - timestampMillis(entry.ts);
    if (age > maxAgeMs) {
      this.receipt(entry, roomId, 'expired', sessionId);
      return 'expired';
    }
    if (!isOpen(channel, session)) {
      this.receipt(entry, roomId, 'dropped', sessionId, 'the voice session has closed');
      return 'dropped';
    }
    let injection: VoiceInjection | void;
    try {
      injection = await this.call(
        () =>
          channel.injectText(session, text, {
            role,
            silent: policy === 'interrupt' ? false : silent,
          }),
        'injectText',
      );
    } catch (err) {
      this.logger.error(
        `Voice delivery of seq=${entry.seq} to session ${sessionId} of room "${roomId}" failed: ${(err as Error).message}`,
      );
      this.receipt(entry, roomId, 'failed', sessionId, (err as Error).message);
      return 'failed';
    }
    this.receipt(entry, roomId, 'injected', sessionId);
    // What became of the reply it asked for, once the channel knows; never awaited here, so a
    // reply that takes long holds up no other update.
    injection?.heard?.then(
      (heard) => heard && this.receipt(entry, roomId, heard, sessionId),
      (err: unknown) =>
        this.logger.warn(`Voice receipt of seq=${entry.seq}: ${(err as Error).message}`),
    );
    return 'injected';
  }

  private claim(roomId: string, sessionId: string, seq: number): Promise<boolean> {
    return this.store.claim(roomId, sessionId, seq);
  }

  private call<T>(work: () => T | Promise<T>, what: string): Promise<T> {
    const { timeoutMs } = this.voice;
    return withTimeout(
      Promise.resolve().then(work),
      timeoutMs,
      () => new Error(`${what} did not answer within ${timeoutMs} ms`),
    );
  }

  private sessionId(channel: VoiceChannel, session: unknown): string {
    return channel.sessionId ? channel.sessionId(session) : String(session);
  }

  /** Posts what happened to `entry` for a session (or the room), linked by its `seq`. */
  private receipt(
    entry: StatusEntry,
    roomId: string,
    outcome: VoiceDeliveryOutcome,
    sessionId?: string,
    error?: string,
  ): void {
    const voice = this.voice;
    if (!voice.receipts) return;
    try {
      this.bus.post(
        voice.receiptAgentId,
        'voice_delivery',
        outcome === 'failed' ? 'failed' : 'info',
        {
          roomId,
          detail: `${outcome}: ${entry.action}${sessionId ? ` → ${sessionId}` : ''}`,
          metadata: {
            receipt_for: entry.seq ?? null,
            outcome,
            ...(sessionId !== undefined ? { session_id: sessionId } : {}),
            ...(error !== undefined ? { error } : {}),
          },
        },
      );
    } catch (err) {
      this.logger.warn(
        `Could not post the voice receipt for seq=${entry.seq}: ${(err as Error).message}`,
      );
    }
  }
}

/** Whether the channel still holds `session`; a channel that cannot tell holds them all. */
function isOpen(channel: VoiceChannel, session: unknown): boolean {
  return channel.isOpen ? channel.isOpen(session) : true;
}

/** Runs `work` after everything chained before it under `key`, whatever became of that. */
function chain<T>(
  tails: Map<string, Promise<unknown>>,
  key: string,
  work: () => Promise<T>,
): Promise<T> {
  const run = (tails.get(key) ?? Promise.resolve()).then(work);
  const tail = run.catch(() => undefined);
  tails.set(key, tail);
  void tail.then(() => {
    if (tails.get(key) === tail) tails.delete(key);
  });
  return run;
}
