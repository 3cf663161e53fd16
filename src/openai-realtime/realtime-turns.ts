import type { HeardOutcome } from '../voice/voice-channel.interface';

/** The part of a `RealtimeSession`'s transport the turn tracker uses. */
export interface RealtimeTransport {
  on(event: string, listener: (...args: never[]) => void): unknown;
  off(event: string, listener: (...args: never[]) => void): unknown;
  sendEvent(event: { type: string; [key: string]: unknown }): void;
  requestResponse?(response?: Record<string, unknown>): void;
}

/** The server's raw events the tracker follows, as the transport's `*` event carries them. */
const SPEECH_STARTED = 'input_audio_buffer.speech_started';
const SPEECH_STOPPED = 'input_audio_buffer.speech_stopped';
const TRUNCATED = 'conversation.item.truncated';

/** A reply asked for and not yet heard. */
type Reply = (outcome: HeardOutcome | undefined) => void;

/**
 * The turns of one realtime session, as its transport reports them: whether the user is
 * speaking, whether a response is in progress, and what became of the replies the bus asked
 * for. It asks for at most one response at a time, and only at a turn boundary:
 *
 * - a reply asked for while the session is idle is requested at once;
 * - otherwise it waits for the boundary: the end of the response in progress (when the user is
 *   not speaking), or the end of the user's speech followed by `settleMs` with no response
 *   started (server-side turn detection usually starts one itself; that one carries the
 *   update, and no second is asked for);
 * - every reply waiting when a response starts is answered by that response: `spoken` when it
 *   is done, `interrupted` when the user cut it off (the user started speaking over it, or the
 *   runtime reported an interruption or truncated its audio).
 */
export class RealtimeTurns {
  private speaking = false;
  private responding = false;
  /**
   * A `response.create` was sent and no response has started since. Only a start clears it:
   * a request the server refuses because turn detection's own response is already active is
   * answered by that response, whose start comes all the same.
   */
  private requested = false;
  /** Set between the end of the user's speech and `settleMs` later, or a response. */
  private settling: NodeJS.Timeout | undefined;
  /** Replies waiting for a response to start. */
  private waiting: Reply[] = [];
  /** Replies the response in progress answers. */
  private answering: Reply[] = [];
  private cutOff = false;
  private closed = false;
  private readonly idleListeners = new Set<() => void>();
  private readonly listeners: [string, (...args: never[]) => void][];

  constructor(
    private readonly transport: RealtimeTransport,
    private readonly settleMs: number,
    private readonly onClose: () => void,
    private readonly onError: (message: string) => void,
  ) {
    this.listeners = [
      ['*', (event: { type?: string }) => this.serverEvent(event)],
      ['turn_started', () => this.responseStarted()],
      ['turn_done', () => this.responseDone()],
      ['audio_interrupted', () => this.interrupted()],
      ['connection_change', (status: string) => status === 'disconnected' && this.close()],
    ];
    for (const [event, listener] of this.listeners) transport.on(event, listener);
  }

  /** Nobody speaking, no response in progress or asked for, no boundary being waited out. */
  get idle(): boolean {
    return !this.speaking && !this.responding && !this.requested && !this.settling;
  }

  get open(): boolean {
    return !this.closed;
  }

  /** Calls `listener` whenever the session becomes idle, and once when it closes. */
  onIdle(listener: () => void): () => void {
    this.idleListeners.add(listener);
    return () => this.idleListeners.delete(listener);
  }

  /**
   * Asks for a reply: now when idle, else at the next boundary. Resolves with what became of
   * it, or `undefined` when the session closed first.
   */
  reply(): Promise<HeardOutcome | undefined> {
    if (this.closed) return Promise.resolve(undefined);
    const heard = new Promise<HeardOutcome | undefined>((resolve) => this.waiting.push(resolve));
    if (this.idle) this.request();
    return heard;
  }

  /** Stops following the transport; every reply still waiting is answered `undefined`. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.settling);
    this.settling = undefined;
    for (const [event, listener] of this.listeners) this.transport.off(event, listener);
    for (const reply of [...this.answering, ...this.waiting]) reply(undefined);
    this.answering = [];
    this.waiting = [];
    // Listeners learn of the close as of an idle moment: what they queued is dropped then.
    for (const listener of [...this.idleListeners]) listener();
    this.idleListeners.clear();
    this.onClose();
  }

  private serverEvent(event: { type?: string }): void {
    if (event?.type === SPEECH_STARTED) this.speechStarted();
    else if (event?.type === SPEECH_STOPPED) this.speechStopped();
    else if (event?.type === TRUNCATED) this.interrupted();
  }

  private speechStarted(): void {
    this.speaking = true;
    clearTimeout(this.settling);
    this.settling = undefined;
    // The user talks over the reply: turn detection cuts it off.
    if (this.responding) this.cutOff = true;
  }

  private speechStopped(): void {
    this.speaking = false;
    if (this.responding || this.requested) return;
    clearTimeout(this.settling);
    this.settling = setTimeout(() => {
      this.settling = undefined;
      this.boundary();
    }, this.settleMs);
    this.settling.unref?.();
  }

  private responseStarted(): void {
    clearTimeout(this.settling);
    this.settling = undefined;
    this.responding = true;
    this.requested = false;
    this.cutOff = false;
    // Whatever was added before this response is in its context: it answers every reply
    // waiting, whoever asked for it.
    this.answering.push(...this.waiting);
    this.waiting = [];
  }

  private responseDone(): void {
    this.responding = false;
    const outcome: HeardOutcome = this.cutOff ? 'interrupted' : 'spoken';
    for (const reply of this.answering) reply(outcome);
    this.answering = [];
    this.cutOff = false;
    if (!this.speaking) this.boundary();
  }

  private interrupted(): void {
    if (this.responding || this.answering.length > 0) this.cutOff = true;
  }

  /** A turn boundary: ask for the reply waiting, if any, else tell listeners it is idle. */
  private boundary(): void {
    if (!this.idle || this.closed) return;
    if (this.waiting.length > 0) this.request();
    else for (const listener of [...this.idleListeners]) listener();
  }

  private request(): void {
    this.requested = true;
    try {
      if (this.transport.requestResponse) this.transport.requestResponse();
      else this.transport.sendEvent({ type: 'response.create' });
    } catch (err) {
      this.requested = false;
      this.onError(`asking for a response failed: ${(err as Error).message}`);
      for (const reply of this.waiting) reply(undefined);
      this.waiting = [];
    }
  }
}
