import { DynamicModule, Module } from '@nestjs/common';
import type * as PostgresPart from './backends/postgres/postgres-status.backend';
import type * as RedisPart from './backends/redis/redis-status.backend';
import { InMemoryStatusBackend } from './backends/in-memory-status.backend';
import { StatusBackend } from './backends/status-backend';
import { StatusSink } from './delivery/status-sink';
import { StatusEventBusPublisher } from './cqrs/status-event-bus.publisher';
import { CompletionProjection } from './delegation/completion-projection';
import { CompletionReadModel } from './delegation/completion-read-model';
import { DelegationGuardService } from './delegation/delegation-guard.service';
import { StatusPostedEmitter } from './events/status-posted.emitter';
import { DELEGATION_OPTIONS, resolveDelegationOptions } from './delegation/delegation-options';
import { InjectVoiceUpdateHandler } from './voice/inject-voice-update.handler';
import { resolveVoiceOptions, ResolvedVoiceOptions, VOICE_OPTIONS } from './voice/voice-options';
import { VOICE_STORE } from './voice/voice-store';
import { voiceStoreFor } from './voice/voice-store.for';
import { VoiceChannelResolver } from './voice/voice-channel.resolver';
import { VoiceInjectionSaga } from './voice/voice-injection.saga';
import {
  STATUS_BACKEND,
  STATUS_BUS_OPTIONS,
  STATUS_JOURNAL,
  STATUS_SINKS,
} from './status-bus.constants';
import type { StatusJournal } from './log/status-journal';
import { JsonlStatusLog } from './persistence/jsonl-status-log';
import {
  ConfigurableStatusBusModule,
  STATUS_BUS_ASYNC_OPTIONS_TYPE,
  STATUS_BUS_MODULE_OPTIONS,
  STATUS_BUS_OPTIONS_TYPE,
} from './status-bus.module-definition';
import { StatusBusModuleOptions } from './status-bus-options.interface';
import { ResolvedStatusBusOptions, resolveStatusBusOptions } from './status-bus-options';
import { StatusBusService } from './status-bus.service';
import { AgentSnapshots } from './snapshot/agent-snapshots';
import { STATUS_SNAPSHOTS } from './status-snapshots.interface';
import { loadPart } from './util/optional-part';

/** The PostgreSQL backend, loaded only by applications that use it (it needs pg and typeorm). */
function postgresPart(): typeof PostgresPart {
  return loadPart(
    'StatusBusModule option postgres',
    ['pg', 'typeorm'],
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded on use, see above
    () => require('./backends/postgres/postgres-status.backend') as typeof PostgresPart,
  );
}

/** The Redis backend, loaded only by applications that use it (it needs ioredis). */
function redisPart(): typeof RedisPart {
  return loadPart(
    'StatusBusModule option redis',
    ['ioredis'],
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded on use, see above
    () => require('./backends/redis/redis-status.backend') as typeof RedisPart,
  );
}

/**
 * The status bus for a Nest application.
 *
 * @example
 * // In memory, last 500 entries:
 * StatusBusModule.forRoot()
 * // From configuration:
 * StatusBusModule.forRootAsync({
 *   inject: [ConfigService],
 *   useFactory: (config: ConfigService) => ({ persistPath: config.get('STATUS_LOG') }),
 * })
 */
@Module({
  providers: [
    {
      provide: STATUS_BUS_OPTIONS,
      useFactory: (options: StatusBusModuleOptions | undefined) => resolveStatusBusOptions(options),
      inject: [STATUS_BUS_MODULE_OPTIONS],
    },
    {
      provide: STATUS_BACKEND,
      useFactory: (options: ResolvedStatusBusOptions): StatusBackend => {
        if (options.backend) return options.backend;
        if (options.postgres) {
          const { clock, retention } = options;
          return new (postgresPart().PostgresStatusBackend)(options.postgres, { clock, retention });
        }
        if (options.redis) {
          return new (redisPart().RedisStatusBackend)(options.redis, {
            retention: options.retention,
          });
        }
        return new InMemoryStatusBackend(options.maxEntries);
      },
      inject: [STATUS_BUS_OPTIONS],
    },
    {
      provide: STATUS_JOURNAL,
      useFactory: (options: ResolvedStatusBusOptions): StatusJournal | undefined => {
        if (!options.persistPath) return undefined;
        const { limits, clock, defaultRoomId } = options;
        return new JsonlStatusLog(
          options.persistPath,
          { limits, clock, defaultRoomId },
          options.persistRotation,
        );
      },
      inject: [STATUS_BUS_OPTIONS],
    },
    // Each part resolves its own options; a bad one stops the application as it starts.
    {
      provide: VOICE_OPTIONS,
      useFactory: (options: StatusBusModuleOptions | undefined) => resolveVoiceOptions(options),
      inject: [STATUS_BUS_MODULE_OPTIONS],
    },
    {
      provide: DELEGATION_OPTIONS,
      useFactory: (options: StatusBusModuleOptions | undefined) =>
        resolveDelegationOptions(options),
      inject: [STATUS_BUS_MODULE_OPTIONS],
    },
    {
      provide: VOICE_STORE,
      useFactory: (voice: ResolvedVoiceOptions, backend: StatusBackend) =>
        voice.store ?? voiceStoreFor(backend),
      inject: [VOICE_OPTIONS, STATUS_BACKEND],
    },
    AgentSnapshots,
    { provide: STATUS_SNAPSHOTS, useExisting: AgentSnapshots },
    StatusPostedEmitter,
    StatusEventBusPublisher,
    {
      provide: STATUS_SINKS,
      // The read models first, so that they have every entry the others have.
      useFactory: (...sinks: StatusSink[]) => sinks,
      inject: [AgentSnapshots, CompletionProjection, StatusPostedEmitter, StatusEventBusPublisher],
    },
    StatusBusService,
    VoiceChannelResolver,
    VoiceInjectionSaga,
    InjectVoiceUpdateHandler,
    CompletionReadModel,
    CompletionProjection,
    DelegationGuardService,
  ],
  exports: [StatusBusService, DelegationGuardService, STATUS_BACKEND],
})
export class StatusBusModule extends ConfigurableStatusBusModule {
  /** Registers the bus; with no options, in memory keeping the last 500 entries. */
  static override forRoot(options: typeof STATUS_BUS_OPTIONS_TYPE = {}): DynamicModule {
    return super.forRoot(options);
  }

  /** Registers the bus with options from a factory, class or existing provider. */
  static override forRootAsync(options: typeof STATUS_BUS_ASYNC_OPTIONS_TYPE): DynamicModule {
    return super.forRootAsync(options);
  }
}
