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
   * `interrupt` policy).
   */
  injectText(session: Session, text: string, options: InjectTextOptions): unknown;
  /**
   * A stable id for a session, for receipts and the speak-once checkpoint.
   * @default String(session)
   */
  sessionId?(session: Session): string;
  /** Whether the session is idle now (nobody speaking). Needed, with `onIdle`, for `when_idle`. */
  isIdle?(session: Session): boolean;
  /** Calls `listener` each time the session becomes idle; returns a function that stops it. */
  onIdle?(session: Session, listener: () => void): () => void;
}

/** Injection token of the application's {@link VoiceChannel}. */
export const VOICE_CHANNEL = Symbol('nest-status-bus:voice-channel');
