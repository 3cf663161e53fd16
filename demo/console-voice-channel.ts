import { Logger } from '@nestjs/common';
import { InjectTextOptions, VoiceChannel } from '../src';

/**
 * Stands in for a realtime voice provider: one session in the demo room, which prints what the
 * voice model is told. The user is speaking for the first second, so `when_idle` updates wait
 * for the session to turn idle. A real channel would create a conversation item (and, unless
 * silent, a response) on its realtime connection, and report idle on the provider's events.
 */
export class ConsoleVoiceChannel implements VoiceChannel<string> {
  private readonly logger = new Logger('VoiceSession');
  private idle = false;
  private readonly listeners = new Set<() => void>();

  constructor() {
    setTimeout(() => {
      this.idle = true;
      this.logger.log('demo-session: the user stopped speaking');
      this.listeners.forEach((l) => l());
    }, 1000).unref();
  }

  getRoomSessions(): string[] {
    return ['demo-session'];
  }

  sessionId(session: string): string {
    return session;
  }

  isIdle(): boolean {
    return this.idle;
  }

  onIdle(_session: string, listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  injectText(session: string, text: string, { role, silent }: InjectTextOptions): void {
    this.logger.log(`${session} ← ${role}${silent ? ' (silent)' : ' (asks for a reply)'}: ${text}`);
  }
}
