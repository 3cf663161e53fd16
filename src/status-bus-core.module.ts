import { DynamicModule, Module } from '@nestjs/common';
import { ModulesContainer } from '@nestjs/core';
import type * as PostgresPart from './backends/postgres/postgres-status.backend';
import type * as RedisPart from './backends/redis/redis-status.backend';
import { InMemoryStatusBackend } from './backends/in-memory-status.backend';
import { StatusBackend } from './backends/status-backend';
import type { StatusJournal } from './log/status-journal';
import { StatusBusConfigError } from './errors/status-bus.errors';
import { StatusLog } from './log/status-log';
import { JsonlStatusLog } from './persistence/jsonl-status-log';
import {
  STATUS_BACKEND,
  STATUS_BUS_OPTIONS,
  STATUS_BUS_SERVICE,
  STATUS_JOURNAL,
  STATUS_LOG,
} from './status-bus.constants';
import { StatusBusModuleOptions } from './status-bus-options.interface';
import { ResolvedStatusBusOptions, resolveStatusBusOptions } from './status-bus-options';
import { StatusBusService } from './status-bus.service';
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
 * The core of the bus: the options, the backend they name, the JSONL journal, the log and the
 * service over it. Knows none of the features; `StatusBusModule` composes it with them (as
 * `TypeOrmModule.forRoot` does `TypeOrmCoreModule`).
 *
 * Global, as `TypeOrmCoreModule` is, so that a feature module finds the log wherever it is
 * imported: by the composition or on its own, in any module of the application. Its exports are
 * the bus's own tokens; the `StatusBusService` class is exported by `StatusBusModule`, which is
 * global only when asked. One application holds one bus (several instances of it are several
 * applications on one store).
 */
@Module({})
export class StatusBusCoreModule {
  /**
   * The core, with what provides its module options (`STATUS_BUS_MODULE_OPTIONS`, as
   * `forRoot` or `forRootAsync` built it).
   */
  static with(
    optionsToken: symbol | string,
    options: Pick<DynamicModule, 'imports' | 'providers'>,
  ): DynamicModule {
    return {
      module: StatusBusCoreModule,
      global: true,
      imports: options.imports ?? [],
      providers: [
        ...(options.providers ?? []),
        {
          provide: STATUS_BUS_OPTIONS,
          useFactory: (raw: StatusBusModuleOptions | undefined) => resolveStatusBusOptions(raw),
          inject: [optionsToken],
        },
        {
          provide: STATUS_BACKEND,
          useFactory: (resolved: ResolvedStatusBusOptions) => backendFor(resolved),
          inject: [STATUS_BUS_OPTIONS],
        },
        {
          provide: STATUS_JOURNAL,
          useFactory: (resolved: ResolvedStatusBusOptions) => journalFor(resolved),
          inject: [STATUS_BUS_OPTIONS],
        },
        {
          provide: STATUS_LOG,
          useFactory: (
            resolved: ResolvedStatusBusOptions,
            backend: StatusBackend,
            journal: StatusJournal | undefined,
            modules: ModulesContainer,
          ) => {
            checkOneBus(modules);
            return new StatusLog(resolved, backend, journal);
          },
          inject: [STATUS_BUS_OPTIONS, STATUS_BACKEND, STATUS_JOURNAL, ModulesContainer],
        },
        StatusBusService,
        { provide: STATUS_BUS_SERVICE, useExisting: StatusBusService },
      ],
      exports: [optionsToken, STATUS_BUS_OPTIONS, STATUS_BACKEND, STATUS_LOG, STATUS_BUS_SERVICE],
    };
  }
}

/**
 * Refuses a second bus in one application: its features would find one of the two logs, and
 * the tokens `StatusBusModule` exports would name either.
 */
function checkOneBus(modules: ModulesContainer): void {
  let cores = 0;
  for (const module of modules.values()) if (module.metatype === StatusBusCoreModule) cores++;
  if (cores > 1) {
    throw new StatusBusConfigError(
      `StatusBusModule is registered ${cores} times in one application; an application holds ` +
        'one bus: import StatusBusModule.forRoot once (with isGlobal, or in a module others import)',
    );
  }
}

/** The store the options name: a backend of their own, PostgreSQL, Redis, else memory. */
function backendFor(options: ResolvedStatusBusOptions): StatusBackend {
  if (options.backend) return options.backend;
  if (options.postgres) {
    const { clock, retention } = options;
    return new (postgresPart().PostgresStatusBackend)(options.postgres, { clock, retention });
  }
  if (options.redis) {
    return new (redisPart().RedisStatusBackend)(options.redis, { retention: options.retention });
  }
  return new InMemoryStatusBackend(options.maxEntries);
}

/** The JSONL file `persistPath` names, if any. */
function journalFor(options: ResolvedStatusBusOptions): StatusJournal | undefined {
  if (!options.persistPath) return undefined;
  const { limits, clock, defaultRoomId } = options;
  return new JsonlStatusLog(
    options.persistPath,
    { limits, clock, defaultRoomId },
    options.persistRotation,
  );
}
