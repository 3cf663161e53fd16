import type { StatusBusModuleOptions } from '../status-bus-options.interface';
import { optionalBoolean, optionalFunction, positiveInteger } from '../util/option-checks';

/** Injection token of the resolved `delegation` options. */
export const DELEGATION_OPTIONS = Symbol('nest-status-bus:delegation-options');

export interface ResolvedDelegationOptions {
  windowMs: number;
  postSkipped: boolean;
  clock: () => number;
}

/** The module's `delegation` options with their defaults, each checked. */
export function resolveDelegationOptions(
  o: StatusBusModuleOptions = {},
): ResolvedDelegationOptions {
  return {
    windowMs: positiveInteger('delegation.windowMs', o.delegation?.windowMs, 5000),
    postSkipped: optionalBoolean('delegation.postSkipped', o.delegation?.postSkipped, true),
    clock: optionalFunction('delegation.clock', o.delegation?.clock, o.clock ?? Date.now),
  };
}
