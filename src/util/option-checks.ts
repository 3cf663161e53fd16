import { describeValue } from '../errors/describe-value';
import { StatusBusConfigError } from '../errors/status-bus.errors';

/** Checks of module options, shared by the core and its parts; each names the option. */

export function fail(name: string, problem: string): never {
  throw new StatusBusConfigError(`StatusBusModule option ${name} ${problem}`);
}

export function optionalFunction<T>(name: string, value: unknown, fallback: T): T {
  if (value === undefined) return fallback;
  if (typeof value !== 'function') fail(name, `must be a function, got ${describeValue(value)}`);
  return value as T;
}

export function nonEmptyStrings(
  name: string,
  value: unknown,
  fallback: readonly string[],
): Set<string> {
  if (value === undefined) return new Set(fallback);
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string' || v === '')) {
    fail(name, `must be an array of non-empty strings, got ${describeValue(value)}`);
  }
  return new Set(value as string[]);
}

export function positiveInteger(name: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) {
    fail(name, `must be a positive integer, got ${describeValue(value)}`);
  }
  return value;
}

export function optionalBoolean(name: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') fail(name, `must be true or false, got ${describeValue(value)}`);
  return value;
}
