import { StatusFilter } from '../backends/status-backend';
import { textProblem } from '../entry/status-entry.validation';
import { isStatusLevel, STATUS_LEVELS } from '../entry/status-level';
import { describeValue } from '../errors/describe-value';
import { InvalidStatusQueryError } from '../errors/status-bus.errors';

/** Largest `n` a read accepts. */
export const MAX_RECENT = 10_000;

/** Refuses a count of entries that is not an integer from 1 to `MAX_RECENT`, naming it `name`. */
export function checkCount(n: unknown, name = 'n'): void {
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 1 || n > MAX_RECENT) {
    throw new InvalidStatusQueryError(
      name,
      `must be an integer from 1 to ${MAX_RECENT}, got ${describeValue(n)}`,
    );
  }
}

/** Refuses a position that is not an integer ≥ 0, naming it `name`. */
export function checkSeq(seq: unknown, name = 'seq'): void {
  if (typeof seq !== 'number' || !Number.isSafeInteger(seq) || seq < 0) {
    throw new InvalidStatusQueryError(name, `must be an integer ≥ 0, got ${describeValue(seq)}`);
  }
}

/** Refuses a subscriber that is not a function. */
export function checkCallback(callback: unknown): void {
  if (typeof callback !== 'function') {
    throw new InvalidStatusQueryError(
      'callback',
      `must be a function, got ${describeValue(callback)}`,
    );
  }
}

/**
 * Refuses a filter that is not an object of known values, naming the field; returns its three
 * fields alone, so nothing else a caller's object carries reaches the store.
 */
export function checkFilter(filter: StatusFilter): StatusFilter {
  if (typeof filter !== 'object' || filter === null) {
    throw new InvalidStatusQueryError(
      'filter',
      'must be an object such as { agentId, status, roomId }',
    );
  }
  const { agentId, status, roomId } = filter;
  for (const [key, value] of [
    ['agentId', agentId],
    ['roomId', roomId],
  ] as const) {
    if (value !== undefined && (typeof value !== 'string' || value === '')) {
      throw new InvalidStatusQueryError(
        key,
        `must be a non-empty string, got ${describeValue(value)}`,
      );
    }
    // A value no entry can hold matches nothing; said as a 400 rather than sent to the store.
    const problem = value === undefined ? undefined : textProblem(value);
    if (problem) throw new InvalidStatusQueryError(key, problem);
  }
  if (status !== undefined && !isStatusLevel(status)) {
    throw new InvalidStatusQueryError(
      'status',
      `must be one of ${STATUS_LEVELS.join(', ')}, got ${describeValue(status)}`,
    );
  }
  return { agentId, status, roomId };
}
