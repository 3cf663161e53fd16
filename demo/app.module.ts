import { DynamicModule, Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { StatusBusModule, StatusBusModuleOptions } from '../src';
import { DelegateTaskHandler } from './delegate-task.handler';
import { ExecAgent } from './exec-agent.service';
import { StatusLogListener } from './status-log.listener';
import { VoiceAgent } from './voice-agent.service';
import { VoiceModule } from './voice.module';

/** The demo application, wired as a user would wire theirs. */
@Module({})
export class AppModule {
  /** @param store where the log lives: `{ postgres: { url } }` or `{ redis: { url } }` */
  static withStore(
    store: Pick<StatusBusModuleOptions, 'postgres' | 'redis'>,
    adminToken?: string,
  ): DynamicModule {
    return {
      module: AppModule,
      imports: [
        CqrsModule.forRoot(),
        StatusBusModule.forRoot({
          ...store,
          persistPath: '.status-bus/session.jsonl',
          voice: {
            // Updates enter the call's conversation as system messages, not as the user's words.
            role: 'system',
            // The voice session also hears the system's completion, not only the exec agent.
            agents: ['exec', 'system'],
            // Progress waits until the user stops speaking; failures interrupt; starts are not told.
            rules: [
              { status: 'failed', policy: 'interrupt' },
              { agent: 'exec', status: 'pending', policy: 'drop' },
              { agent: 'exec', status: 'info', policy: 'when_idle' },
            ],
          },
          // The admin API and dashboard; open without a token only because this is a local demo.
          admin: adminToken ? { token: adminToken } : { public: true },
        }),
        VoiceModule,
      ],
      providers: [ExecAgent, VoiceAgent, StatusLogListener, DelegateTaskHandler],
    };
  }
}
