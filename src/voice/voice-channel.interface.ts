/** How an injected text is presented to the voice model. */
export interface InjectTextOptions {
  /** Conversation role of the text. @default 'user' */
  role: 'user' | 'assistant' | 'system';
  /**
   * Add the text to the conversation without asking the model to reply (a conversation item
   * without a response, in realtime APIs' terms). @default true
   */
  silent: boolean;
}

/** What became of the reply an injection asked for (the `interrupt` policy). */
export type HeardOutcome = 'spoken' | 'interrupted';

/**
 * What `injectText` may answer, when the channel can tell what the voice agent actually said.
 * The bus posts a `spoken` or `interrupted` receipt, after `injected`, once `heard` settles
 * with one; `undefined` (the session closed first, say) posts nothing more.
 */
export interface VoiceInjection {
  heard?: Promise<HeardOutcome | undefined>;
}

/**
 * The port to a realtime voice provider. Bind it by providing {@link VOICE_CHANNEL} in any
 * module of the application, or pass it as `voice.channel` in the module options.
 *
 * @example
 * { provide: VOICE_CHANNEL, useClass: OpenAiRealtimeChannel }
 */
export interface VoiceChannel<Session = unknown> {
  /** The live voice sessions of a room. */
  getRoomSessions(roomId: string): readonly Session[] | Promise<readonly Session[]>;
  /**
   * Adds `text` to one session's conversation; `silent: false` asks the model to reply (the
   * `interrupt` policy). May answer a {@link VoiceInjection} to say later what was heard.
   */
  injectText(
    session: Session,
    text: string,
    options: InjectTextOptions,
  ): VoiceInjection | void | Promise<VoiceInjection | void>;
  /**
   * A stable id for a session, for receipts and the speak-once checkpoint.
   * @default String(session)
   */
  sessionId?(session: Session): string;
  /** Whether the session is idle now (nobody speaking). Needed, with `onIdle`, for `when_idle`. */
  isIdle?(session: Session): boolean;
  /**
   * Calls `listener` each time the session becomes idle, and once when it closes; returns a
   * function that stops it.
   */
  onIdle?(session: Session, listener: () => void): () => void;
  /**
   * Whether the session is still connected. Updates for a closed session are receipted
   * `dropped` instead of being injected or kept waiting. @default always open
   */
  isOpen?(session: Session): boolean;
}

/** Injection token of the application's {@link VoiceChannel}. */
export const VOICE_CHANNEL = Symbol('nest-status-bus:voice-channel');
