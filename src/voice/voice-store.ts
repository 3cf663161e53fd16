/** Injection token of the voice store the bus uses (see `voice.store`). */
export const VOICE_STORE = Symbol('nest-status-bus:voice-store');

/**
 * What voice delivery keeps beside the log: the speak-once checkpoint of every (room, session)
 * and, where several instances share it, each instance's hold on its live sessions. Apart from
 * the log's backend, which knows nothing of voice.
 *
 * The bus picks one for its backend: `PostgresVoiceStore` on PostgreSQL (shared by every
 * instance on the database), {@link InMemoryVoiceStore} otherwise; `voice.store` sets one of
 * your own (for a backend of your own that several instances share).
 */
export abstract class VoiceStore {
  /** Whether several instances share this store, so that their sessions must be asked for. */
  abstract readonly shared: boolean;

  /**
   * Records that session `sessionId` of `roomId` is being told the entry at `seq`, unless it
   * was already told that entry or a later one: resolves `true` when this caller may speak it.
   * Atomic across the instances that share the store: a session hears each entry once.
   */
  abstract claim(roomId: string, sessionId: string, seq: number): Promise<boolean>;

  /**
   * Records that instance `holder` has the live sessions `sessionIds` in `roomId` until
   * `leaseMs` from now, in place of what it held there before (none: it holds no session there
   * any more). Needed only by shared stores.
   */
  async hold(
    _holder: string,
    _roomId: string,
    _sessionIds: readonly string[],
    _leaseMs: number,
  ): Promise<void> {}

  /** Whether any instance holds a session in `roomId` whose lease has not run out. */
  async held(_roomId: string): Promise<boolean> {
    return false;
  }
}

/** The voice store of one process, for backends that no other instance shares. */
export class InMemoryVoiceStore extends VoiceStore {
  readonly shared = false;
  private readonly checkpoints = new Map<string, number>();

  async claim(roomId: string, sessionId: string, seq: number): Promise<boolean> {
    const key = `${roomId}\u0000${sessionId}`;
    if ((this.checkpoints.get(key) ?? 0) >= seq) return false;
    this.checkpoints.set(key, seq);
    return true;
  }
}
