import { Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { RealtimeAgent, RealtimeSession } from '@openai/agents-realtime';
import { ScriptedRealtimeTransport } from '@openai/agents-realtime/testing';
import { OpenAIRealtimeVoiceChannel } from '../src/openai-realtime';

/** The transport of the demo's call: prints what the voice model is sent. */
class PrintingTransport extends ScriptedRealtimeTransport {
  private readonly logger = new Logger('VoiceSession');

  override sendEvent(event: Parameters<ScriptedRealtimeTransport['sendEvent']>[0]): void {
    super.sendEvent(event);
    const item = event.item as { role?: string; content?: { text?: string }[] } | undefined;
    if (event.type === 'conversation.item.create' && item) {
      this.logger.log(`demo-session ← ${item.role}: ${item.content?.[0]?.text}`);
    }
  }

  override requestResponse(response?: Record<string, unknown>): void {
    super.requestResponse(response);
    this.logger.log('demo-session: a reply is asked for');
  }
}

/**
 * A voice call in the demo room: a real `RealtimeSession` of the OpenAI Agents SDK, on the
 * SDK's scripted transport instead of a connection to OpenAI, so that the demo needs no key.
 * The script plays the server: the user speaks for the first second, and each reply asked for
 * is spoken for 200 ms. With a key, the session would connect for real: see the README.
 */
@Injectable()
export class ScriptedVoiceCall implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('VoiceSession');
  private readonly transport = new PrintingTransport();
  private readonly session = new RealtimeSession(
    new RealtimeAgent({ name: 'voice', instructions: 'You help the user over the phone.' }),
    { transport: this.transport },
  );
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(private readonly voice: OpenAIRealtimeVoiceChannel) {}

  async onModuleInit(): Promise<void> {
    await this.session.connect({ apiKey: 'scripted' });
    // The one line that binds a call to the bus:
    this.voice.register('default', this.session, { sessionId: 'demo-session' });

    const server = (event: string, ...args: unknown[]) => this.transport.emit(event, ...args);
    server('*', { type: 'input_audio_buffer.speech_started' });
    this.later(1000, () => {
      this.logger.log('demo-session: the user stopped speaking');
      server('*', { type: 'input_audio_buffer.speech_stopped' });
    });
    const respond = this.transport.requestResponse.bind(this.transport);
    this.transport.requestResponse = (response) => {
      respond(response);
      const id = `resp_${this.transport.calls.length}`;
      server('turn_started', { type: 'response_started', providerData: { response: { id } } });
      this.later(200, () =>
        server('turn_done', { type: 'response_done', response: { id, output: [], usage: {} } }),
      );
    };
  }

  /** Resolves once the call has been idle for a moment: every update told, every reply done. */
  async quiet(): Promise<void> {
    for (let idleFor = 0; idleFor < 400;) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      idleFor = this.voice.isIdle(this.session) ? idleFor + 50 : 0;
    }
  }

  onApplicationShutdown(): void {
    this.timers.forEach(clearTimeout);
    this.session.close();
  }

  private later(ms: number, action: () => void): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      action();
    }, ms);
    timer.unref();
    this.timers.add(timer);
  }
}
