import type { ServerCallContext } from '@a2a-js/sdk/server';
import { describeValue } from '../errors/describe-value';
import { StatusBusConfigError } from '../errors/status-bus.errors';
import type { A2aTaskScope, StatusBusA2aBusOptions } from './status-bus-a2a-options.interface';

/** Injection token of the resolved A2A options (see `StatusBusA2aModule`). */
export const STATUS_BUS_A2A_OPTIONS = Symbol('nest-status-bus:a2a-options');

/** The bus options of A2A with their defaults applied. */
export interface ResolvedA2aBusOptions {
  agentId: string;
  room: (task: A2aTaskScope) => string;
  owner?: (context: ServerCallContext) => string;
  cancelTimeoutMs: number;
}

const DEFAULTS = { agentId: 'a2a-agent', cancelTimeoutMs: 10_000 };

/** Checks the bus options of A2A, naming the first that is wrong, and applies the defaults. */
export function resolveA2aBusOptions(
  options: StatusBusA2aBusOptions = {},
  defaultAgentId = DEFAULTS.agentId,
): ResolvedA2aBusOptions {
  const {
    agentId = defaultAgentId,
    room,
    owner,
    cancelTimeoutMs = DEFAULTS.cancelTimeoutMs,
  } = options;
  if (typeof agentId !== 'string' || agentId.trim() === '' || agentId.length > 200) {
    refuse('agentId', 'a non-empty string of at most 200 characters', agentId);
  }
  for (const [name, value] of [
    ['room', room],
    ['owner', owner],
  ] as const) {
    if (value !== undefined && typeof value !== 'function') refuse(name, 'a function', value);
  }
  if (!Number.isSafeInteger(cancelTimeoutMs) || cancelTimeoutMs < 1) {
    refuse('cancelTimeoutMs', 'a positive integer of milliseconds', cancelTimeoutMs);
  }
  return { agentId, room: room ?? ((task) => task.contextId), owner, cancelTimeoutMs };
}

/** Throws the error naming an A2A option and what it must be. */
export function refuse(name: string, expected: string, got: unknown): never {
  throw new StatusBusConfigError(
    `StatusBusA2aModule options: ${name} must be ${expected}, got ${describeValue(got)}`,
  );
}
