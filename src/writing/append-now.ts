import type { StatusBackend } from '../backends/status-backend';
import type { StatusEntry } from '../entry/status-entry';

/**
 * The backend's `appendNow`, unless a subclass overrides `append` below the class that gives
 * `appendNow` (one that records or alters appends): its appends then go through its `append`.
 */
export function appendNowOf(
  backend: StatusBackend,
): ((entries: readonly StatusEntry[]) => StatusEntry[]) | undefined {
  if (!backend.appendNow) return undefined;
  for (let at: object | null = backend; at; at = Object.getPrototypeOf(at) as object | null) {
    if (Object.hasOwn(at, 'appendNow')) return backend.appendNow.bind(backend);
    if (Object.hasOwn(at, 'append')) return undefined;
  }
  return undefined;
}
