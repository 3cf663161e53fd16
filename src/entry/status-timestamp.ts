/**
 * Timestamps in the reference's form, ISO 8601 in UTC with microseconds:
 * `2026-11-24T06:39:28.979041+00:00`. Characters 11-19 are the `HH:MM:SS` that `recentText` shows.
 */
const ORIGIN_MS = performance.timeOrigin;

let cachedSecond = -1;
let cachedPrefix = '';

/** Milliseconds since the epoch, with the fraction the monotonic clock gives (microseconds). */
export function nowMillis(): number {
  return ORIGIN_MS + performance.now();
}

/** The current time, or `epochMs` when given, in the reference's timestamp form. */
export function nowTimestamp(epochMs: number = nowMillis()): string {
  const second = Math.floor(epochMs / 1000);
  // Formatting a date is the dear part; it changes once a second, so it is done once a second.
  if (second !== cachedSecond) {
    cachedSecond = second;
    cachedPrefix = new Date(second * 1000).toISOString().slice(0, 19);
  }
  const micros = Math.floor((epochMs - second * 1000) * 1000);
  return `${cachedPrefix}.${String(micros).padStart(6, '0')}+00:00`;
}

const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?(Z|[+-]\d{2}:\d{2})$/;

/** Whether `value` is an ISO 8601 date-time with seconds and an explicit offset. */
export function isIsoTimestamp(value: unknown): value is string {
  return typeof value === 'string' && ISO_UTC.test(value) && !Number.isNaN(Date.parse(value));
}

/** Milliseconds since the epoch for a timestamp in any ISO 8601 form the bus accepts. */
export function timestampMillis(ts: string): number {
  return Date.parse(ts);
}
