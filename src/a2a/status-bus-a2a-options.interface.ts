import type { AgentCard } from '@a2a-js/sdk';
import type { AgentExecutor, DefaultRequestHandlerOptions } from '@a2a-js/sdk/server';
import type { UserBuilder } from '@a2a-js/sdk/server/express';
import type { ServerCallContext } from '@a2a-js/sdk/server';
import type { ModuleMetadata, Type } from '@nestjs/common';

/** The task whose room is asked for: its id, its context and its tenant (`''` for none). */
export interface A2aTaskScope {
  taskId: string;
  contextId: string;
  tenant: string;
}

/** How A2A tasks live on the bus; every option has a default. */
export interface StatusBusA2aBusOptions {
  /**
   * The `agent_id` of the entries that store the agent's task events.
   * @default the agent card's name, or `'a2a-agent'` without a card
   */
  agentId?: string;
  /**
   * The room of a task's entries.
   * @default the task's `contextId`
   */
  room?: (task: A2aTaskScope) => string;
  /**
   * Who owns a task: a caller reads and lists only its own (within its tenant).
   * @default the SDK's `resolveUserScope` (the authenticated user's name)
   */
  owner?: (context: ServerCallContext) => string;
  /**
   * How long a cancel sent to an instance that does not run the task waits for the instance
   * that does to end it; past it, the task is taken to have no live executor (its instance is
   * gone) and is canceled in the store by the instance that received the cancel.
   * @default 10000
   */
  cancelTimeoutMs?: number;
}

/** Options of `StatusBusA2aModule.forRoot()`: an agent served on the bus. */
export interface StatusBusA2aOptions extends StatusBusA2aBusOptions {
  /** The agent card, served at `cardPath`. */
  agentCard: AgentCard;
  /** The agent: an executor, or a provider class the module instantiates (with injection). */
  executor: AgentExecutor | Type<AgentExecutor>;
  /**
   * Where the JSON-RPC transport is mounted (outside any global prefix).
   * @default '/a2a'
   */
  path?: string;
  /**
   * Where the agent card is served, where A2A clients look for it from the origin.
   * @default '/.well-known/agent-card.json'
   */
  cardPath?: string;
  /**
   * Who is calling, from the request: the SDK's `UserBuilder`. Given one, the endpoint serves
   * authenticated callers only: a call whose user is not authenticated, or on which the builder
   * throws, is answered 401 before it reaches the SDK. Tasks are then scoped to the user's name
   * (see `owner`). The agent card stays public.
   * @default UserBuilder.noAuthentication: anyone may call, and every task has the same owner
   * @example
   * userBuilder: async (req) => {
   *   const user = await verifyBearerToken(req.headers.authorization); // yours
   *   return { isAuthenticated: user !== undefined, userName: user?.id ?? '' };
   * },
   */
  userBuilder?: UserBuilder;
  /** Passed to the SDK's `DefaultRequestHandler`. */
  handler?: DefaultRequestHandlerOptions;
}

/** Options of `StatusBusA2aModule.forRootAsync()`. */
export interface StatusBusA2aAsyncOptions extends Pick<ModuleMetadata, 'imports'> {
  useFactory: (...args: never[]) => StatusBusA2aOptions | Promise<StatusBusA2aOptions>;
  inject?: (string | symbol | Type<unknown>)[];
}
