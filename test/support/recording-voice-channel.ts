import { InjectTextOptions, VoiceChannel } from '../../src';

export interface Injection {
  session: string;
  text: string;
  options: InjectTextOptions;
}

/** A voice channel double that records what each session was told; sessions can be made to fail. */
export class RecordingVoiceChannel implements VoiceChannel<string> {
  readonly injections: Injection[] = [];
  readonly failingSessions = new Set<string>();
  failingRooms = new Set<string>();
  private readonly busy = new Set<string>();
  private readonly idleListeners = new Map<string, Set<() => void>>();

  constructor(readonly rooms: Record<string, string[]> = { default: ['s1', 's2'] }) {}

  /** Marks a session busy (the user is speaking) or idle, telling idle listeners. */
  setIdle(session: string, idle: boolean): void {
    if (idle) {
      this.busy.delete(session);
      this.idleListeners.get(session)?.forEach((l) => l());
    } else {
      this.busy.add(session);
    }
  }

  sessionId(session: string): string {
    return session;
  }

  isIdle(session: string): boolean {
    return !this.busy.has(session);
  }

  onIdle(session: string, listener: () => void): () => void {
    const listeners = this.idleListeners.get(session) ?? new Set();
    listeners.add(listener);
    this.idleListeners.set(session, listeners);
    return () => listeners.delete(listener);
  }

  getRoomSessions(roomId: string): string[] {
    if (this.failingRooms.has(roomId)) throw new Error(`room ${roomId} unavailable`);
    return this.rooms[roomId] ?? [];
  }

  async injectText(session: string, text: string, options: InjectTextOptions): Promise<void> {
    await new Promise((r) => setImmediate(r));
    if (this.failingSessions.has(session)) throw new Error(`session ${session} dropped`);
    this.injections.push({ session, text, options });
  }

  texts(session: string): string[] {
    return this.injections.filter((i) => i.session === session).map((i) => i.text);
  }
}
