import { Injectable, Logger, Optional } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { RealtimeSession } from '@openai/agents-realtime';
import { InvalidStatusQueryError } from '../errors/status-bus.errors';
import { describeValue } from '../errors/describe-value';
import { fail } from '../util/option-checks';
import type {
  InjectTextOptions,
  VoiceChannel,
  VoiceInjection,
} from '../voice/voice-channel.interface';
import { RealtimeTransport, RealtimeTurns } from './realtime-turns';

/** Options of {@link OpenAIRealtimeVoiceChannel}. */
export interface OpenAIRealtimeVoiceChannelOptions {
  /**
   * How long after the user stops speaking the channel waits for the response that server-side
   * turn detection starts by itself, before it counts the turn as over (and asks for a reply
   * still waiting, or injects `when_idle` updates). @default 300
   */
  turnSettleMs?: number;
}

/** Options of one registration. */
export interface RegisterRealtimeSessionOptions {
  /** The session's id in receipts and checkpoints; unique per session. @default a random UUID */
  sessionId?: string;
}

/** The part of a `RealtimeSession` the channel uses: its transport. */
export type RealtimeVoiceSession = Pick<RealtimeSession, 'transport'>;

/** @throws InvalidStatusQueryError unless `value` is a non-empty string */
function checkName(name: string, value: unknown): void {
  if (typeof value !== 'string' || value === '') {
    throw new InvalidStatusQueryError(
      name,
      `must be a non-empty string, got ${describeValue(value)}`,
    );
  }
}

interface Bound {
  roomId: string;
  id: string;
  turns: RealtimeTurns;
}

/**
 * A {@link VoiceChannel} for the OpenAI Agents SDK's realtime sessions
 * (`@openai/agents-realtime`): register each live `RealtimeSession` in its room, and the voice
 * saga tells it what the other agents do.
 *
 * - `silent` adds a conversation item (`conversation.item.create`, in the role of
 *   `voice.role`) and never asks for a response.
 * - `interrupt` adds the item and asks for one response, never while a response is in progress
 *   or the user is speaking: it waits for the turn boundary the session reports (see
 *   {@link RealtimeTurns}), and a burst of updates is answered by one response.
 * - `when_idle` updates wait until nobody speaks and no response is in progress.
 * - An update that asked for a reply gets a `spoken` or `interrupted` receipt once the reply is
 *   done or cut off by the user.
 *
 * @example
 * const voice = new OpenAIRealtimeVoiceChannel();
 * StatusBusModule.forRoot({ voice: { channel: voice, role: 'system' } });
 * // when a call starts:
 * voice.register(roomId, session);
 */
@Injectable()
export class OpenAIRealtimeVoiceChannel implements VoiceChannel<RealtimeVoiceSession> {
  private readonly logger = new Logger('StatusBus');
  private readonly rooms = new Map<string, Set<RealtimeVoiceSession>>();
  private readonly bound = new WeakMap<RealtimeVoiceSession, Bound>();
  /**
   * Each session's id, kept after it is unregistered: what was still owed to a session that
   * disconnected is receipted under its own id.
   */
  private readonly ids = new WeakMap<RealtimeVoiceSession, string>();
  private readonly settleMs: number;

  constructor(@Optional() options: OpenAIRealtimeVoiceChannelOptions = {}) {
    const settle = options.turnSettleMs ?? 300;
    if (!Number.isSafeInteger(settle) || settle < 0) {
      fail('turnSettleMs', `must be an integer ≥ 0, got ${describeValue(settle)}`);
    }
    this.settleMs = settle;
  }

  /**
   * Binds `session` to `roomId` until it closes or disconnects, or the returned function is
   * called. Registering a session again moves it.
   */
  register(
    roomId: string,
    session: RealtimeVoiceSession,
    options: RegisterRealtimeSessionOptions = {},
  ): () => void {
    checkName('roomId', roomId);
    const transport = (session as unknown as { transport?: RealtimeTransport } | null)?.transport;
    if (typeof transport?.on !== 'function' || typeof transport.sendEvent !== 'function') {
      throw new InvalidStatusQueryError(
        'session',
        `must be a RealtimeSession (with a transport), got ${describeValue(session)}`,
      );
    }
    if (options.sessionId !== undefined) checkName('sessionId', options.sessionId);
    this.unregister(session);
    const id = options.sessionId ?? randomUUID();
    const turns = new RealtimeTurns(
      transport,
      this.settleMs,
      () => this.forget(session),
      (message) => this.logger.warn(`Realtime session ${id} of room "${roomId}": ${message}`),
    );
    this.bound.set(session, { roomId, id, turns });
    this.ids.set(session, id);
    let sessions = this.rooms.get(roomId);
    if (!sessions) this.rooms.set(roomId, (sessions = new Set()));
    sessions.add(session);
    return () => {
      if (this.bound.get(session)?.turns === turns) this.unregister(session);
    };
  }

  getRoomSessions(roomId: string): RealtimeVoiceSession[] {
    return [...(this.rooms.get(roomId) ?? [])];
  }

  sessionId(session: RealtimeVoiceSession): string {
    return this.ids.get(session) ?? 'unregistered';
  }

  isOpen(session: RealtimeVoiceSession): boolean {
    return this.bound.get(session)?.turns.open ?? false;
  }

  isIdle(session: RealtimeVoiceSession): boolean {
    return this.bound.get(session)?.turns.idle ?? true;
  }

  onIdle(session: RealtimeVoiceSession, listener: () => void): () => void {
    const bound = this.bound.get(session);
    if (!bound) {
      // Closed already: said at once, like a close.
      queueMicrotask(listener);
      return () => undefined;
    }
    return bound.turns.onIdle(listener);
  }

  injectText(
    session: RealtimeVoiceSession,
    text: string,
    { role, silent }: InjectTextOptions,
  ): VoiceInjection {
    const bound = this.bound.get(session);
    if (!bound) throw new Error('the realtime session is no longer registered');
    session.transport.sendEvent({
      type: 'conversation.item.create',
      item: {
        type: 'message',
        role,
        content: [{ type: role === 'assistant' ? 'output_text' : 'input_text', text }],
      },
    });
    return silent ? {} : { heard: bound.turns.reply() };
  }

  /** Stops following `session`; replies it still owed are answered `undefined`. */
  private unregister(session: RealtimeVoiceSession): void {
    this.bound.get(session)?.turns.close();
  }

  private forget(session: RealtimeVoiceSession): void {
    const bound = this.bound.get(session);
    if (!bound) return;
    this.bound.delete(session);
    const sessions = this.rooms.get(bound.roomId);
    sessions?.delete(session);
    if (sessions?.size === 0) this.rooms.delete(bound.roomId);
  }
}
