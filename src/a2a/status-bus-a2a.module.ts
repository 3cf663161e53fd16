import type { AgentCard } from '@a2a-js/sdk';
import { DefaultRequestHandler } from '@a2a-js/sdk/server';
import type { AgentExecutor, TaskStore } from '@a2a-js/sdk/server';
import { agentCardHandler, jsonRpcHandler, UserBuilder } from '@a2a-js/sdk/server/express';
import {
  DynamicModule,
  Inject,
  Injectable,
  Module,
  OnModuleInit,
  Provider,
  Type,
} from '@nestjs/common';
import { HttpAdapterHost, ModuleRef } from '@nestjs/core';
import { StatusBusConfigError } from '../errors/status-bus.errors';
import { a2aAuthentication, a2aParseErrors, a2aRequests, a2aStreamIds } from './a2a-http-edge';
import { refuse, resolveA2aBusOptions, STATUS_BUS_A2A_OPTIONS } from './resolve-a2a-options';
import { StatusBusA2aAsyncOptions, StatusBusA2aOptions } from './status-bus-a2a-options.interface';
import { StatusBusAgentExecutor } from './status-bus-agent-executor';
import { StatusBusExecutionEventBusManager } from './status-bus-execution-event-bus.manager';
import { StatusBusTaskStore } from './status-bus-task.store';

/** Where A2A clients look for an agent's card, from its origin. */
const AGENT_CARD_PATH = '/.well-known/agent-card.json';

/** Injection token of the options as given to `forRoot()`, before they are checked. */
const RAW_OPTIONS = Symbol('nest-status-bus:a2a-raw-options');

/** Injection token of the served agent's options, checked. */
const STATUS_BUS_A2A_MODULE_OPTIONS = Symbol('nest-status-bus:a2a-module-options');

/**
 * Injection token of the agent's request handler: the SDK's `DefaultRequestHandler` over
 * {@link StatusBusTaskStore} and {@link StatusBusExecutionEventBusManager}, for another transport
 * (the SDK's REST or gRPC one) beside the JSON-RPC one the module mounts.
 */
export const STATUS_BUS_A2A_HANDLER = Symbol('nest-status-bus:a2a-handler');

/** The served agent's options, checked, with their defaults applied. */
interface ResolvedAgentOptions {
  agentCard: AgentCard;
  executor: AgentExecutor | Type<AgentExecutor>;
  path: string;
  cardPath: string;
  userBuilder: StatusBusA2aOptions['userBuilder'] & object;
  /** Whether the user's `userBuilder` decides who may call: then every call must be authenticated. */
  authenticates: boolean;
  handler: StatusBusA2aOptions['handler'];
}

function resolveAgentOptions(options: StatusBusA2aOptions): ResolvedAgentOptions {
  if (typeof options !== 'object' || options === null) refuse('options', 'an object', options);
  const {
    agentCard,
    executor,
    path = '/a2a',
    cardPath = AGENT_CARD_PATH,
    userBuilder,
    handler,
  } = options;
  if (typeof agentCard !== 'object' || agentCard === null || typeof agentCard.name !== 'string') {
    refuse('agentCard', 'an agent card with a name', agentCard);
  }
  if (agentCard.capabilities?.pushNotifications) {
    throw new StatusBusConfigError(
      'StatusBusA2aModule options: agentCard.capabilities.pushNotifications is not supported: ' +
        "the SDK's push configs would live in one instance's memory. Set it to false.",
    );
  }
  const isExecutor =
    typeof executor === 'function' ||
    (typeof executor === 'object' &&
      executor !== null &&
      typeof executor.execute === 'function' &&
      typeof executor.cancelTask === 'function');
  if (!isExecutor) refuse('executor', 'an AgentExecutor or a provider class of one', executor);
  for (const [name, value] of [
    ['path', path],
    ['cardPath', cardPath],
  ] as const) {
    if (typeof value !== 'string' || !/^\/[\w\-./]*$/.test(value) || value.endsWith('/')) {
      refuse(name, "a path such as '/a2a' (starting with /, not ending with one)", value);
    }
  }
  if (userBuilder !== undefined && typeof userBuilder !== 'function') {
    refuse('userBuilder', 'a function (a UserBuilder)', userBuilder);
  }
  return {
    agentCard,
    executor,
    path,
    cardPath,
    userBuilder: userBuilder ?? UserBuilder.noAuthentication,
    authenticates: userBuilder !== undefined,
    handler,
  };
}

/** Mounts the SDK's Express transport of the agent, with its card, under the module's path. */
@Injectable()
class A2aRoutes implements OnModuleInit {
  constructor(
    private readonly adapterHost: HttpAdapterHost,
    @Inject(STATUS_BUS_A2A_MODULE_OPTIONS) private readonly options: ResolvedAgentOptions,
    @Inject(STATUS_BUS_A2A_HANDLER) private readonly handler: DefaultRequestHandler,
    private readonly manager: StatusBusExecutionEventBusManager,
  ) {}

  onModuleInit(): void {
    const adapter = this.adapterHost.httpAdapter;
    // An application context without HTTP (a worker) runs executors but serves nothing.
    if (!adapter) return;
    if (adapter.getType() !== 'express') {
      throw new StatusBusConfigError(
        "StatusBusA2aModule serves the A2A SDK's Express transport, which needs " +
          `@nestjs/platform-express; this application runs on ${adapter.getType()}.`,
      );
    }
    const app = adapter.getInstance<{ use(path: string, handler: unknown): void }>();
    const { path, cardPath, authenticates } = this.options;
    let { userBuilder } = this.options;
    // The card stays public: clients read it to learn how to authenticate.
    app.use(cardPath, agentCardHandler({ agentCardProvider: () => this.handler.getAgentCard() }));
    if (authenticates) {
      const authentication = a2aAuthentication(userBuilder);
      app.use(path, authentication.middleware);
      userBuilder = authentication.userBuilder;
    }
    app.use(path, a2aRequests());
    app.use(
      path,
      a2aStreamIds((headers) => this.manager.requestEnded(headers)),
    );
    app.use(path, jsonRpcHandler({ requestHandler: this.handler, userBuilder }));
    app.use(path, a2aParseErrors());
  }
}

/**
 * An A2A agent served on the bus, by every instance of the application: the user's executor
 * behind the SDK's own `DefaultRequestHandler` and JSON-RPC transport, with tasks in
 * {@link StatusBusTaskStore} and their events on the bus ({@link StatusBusExecutionEventBusManager}).
 * Import it beside `StatusBusModule.forRoot()`.
 */
@Module({})
export class StatusBusA2aModule {
  static forRoot(options: StatusBusA2aOptions): DynamicModule {
    return this.define({ provide: RAW_OPTIONS, useValue: options }, []);
  }

  static forRootAsync(options: StatusBusA2aAsyncOptions): DynamicModule {
    const { useFactory, inject = [], imports = [] } = options;
    return this.define({ provide: RAW_OPTIONS, useFactory, inject }, imports);
  }

  /** The module around `given`, the provider of the options as given (`RAW_OPTIONS`). */
  private static define(
    given: Provider,
    imports: NonNullable<DynamicModule['imports']>,
  ): DynamicModule {
    return {
      module: StatusBusA2aModule,
      imports,
      providers: [
        given,
        {
          provide: STATUS_BUS_A2A_MODULE_OPTIONS,
          useFactory: (raw: StatusBusA2aOptions) => resolveAgentOptions(raw),
          inject: [RAW_OPTIONS],
        },
        {
          provide: STATUS_BUS_A2A_OPTIONS,
          useFactory: (raw: StatusBusA2aOptions) => resolveA2aBusOptions(raw, raw.agentCard.name),
          inject: [RAW_OPTIONS],
        },
        StatusBusTaskStore,
        StatusBusExecutionEventBusManager,
        {
          provide: STATUS_BUS_A2A_HANDLER,
          useFactory: async (
            options: ResolvedAgentOptions,
            store: StatusBusTaskStore,
            manager: StatusBusExecutionEventBusManager,
            moduleRef: ModuleRef,
          ) => {
            const { executor } = options;
            const agent =
              typeof executor === 'function' ? await moduleRef.create(executor) : executor;
            // The SDK reads tasks through the manager, which starts a resubscription where the
            // task it is sent stands.
            const tasks: TaskStore = {
              save: (task, context) => store.save(task, context),
              list: (params, context) => store.list(params, context),
              load: async (taskId, context) =>
                manager.loaded(taskId, context, await store.load(taskId, context)),
            };
            return new DefaultRequestHandler(
              options.agentCard,
              tasks,
              new StatusBusAgentExecutor(agent, manager, store),
              manager,
              undefined,
              undefined,
              undefined,
              undefined,
              options.handler,
            );
          },
          inject: [
            STATUS_BUS_A2A_MODULE_OPTIONS,
            StatusBusTaskStore,
            StatusBusExecutionEventBusManager,
            ModuleRef,
          ],
        },
        A2aRoutes,
      ],
      exports: [StatusBusTaskStore, StatusBusExecutionEventBusManager, STATUS_BUS_A2A_HANDLER],
    };
  }
}
