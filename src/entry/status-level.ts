/**
 * The outcome an agent reports in a status entry.
 *
 * - `ok`: a step succeeded
 * - `failed`: a step failed
 * - `pending`: a step has started or waits on something
 * - `info`: progress worth telling others about
 * - `completed`: a whole task is done
 */
export type StatusLevel = 'ok' | 'failed' | 'pending' | 'info' | 'completed';

/** Every valid {@link StatusLevel}, in the order the reference lists them. */
export const STATUS_LEVELS: readonly StatusLevel[] = Object.freeze([
  'ok',
  'failed',
  'pending',
  'info',
  'completed',
] as const);

const LEVELS = new Set<string>(STATUS_LEVELS);

/** Whether `value` is one of {@link STATUS_LEVELS}. */
export function isStatusLevel(value: unknown): value is StatusLevel {
  return typeof value === 'string' && LEVELS.has(value);
}
