/**
 * Timestamps in the reference's form, ISO 8601 in UTC with microseconds:
 * `2026-11-24T06:39:28.979041+00:00`. Characters 11-19 are the `HH:MM:SS` that `recentText` shows.
 */
const ORIGIN_MS = performance.timeOrigin;

/** `000+00:00` … `999+00:00`: the microseconds within a millisecond, and the offset. */
const MICROS_AND_OFFSET = Array.from(
  { length: 1000 },
  (_, us) => `${String(us).padStart(3, '0')}+00:00`,
);

let cachedSecond = -1;
let secondPrefix = '';
let cachedMilli = -1;
/** `YYYY-MM-DDTHH:MM:SS.mmm` of `cachedMilli`. */
let milliPrefix = '';

/** Milliseconds since the epoch, with the fraction the monotonic clock gives (microseconds). */
export function nowMillis(): number {
  return ORIGIN_MS + performance.now();
}

/** The current time, or `epochMs` when given, in the reference's timestamp form. */
export function nowTimestamp(epochMs: number = nowMillis()): string {
  const milli = Math.floor(epochMs);
  // Formatting a date is the dear part, and thousands of entries share a millisecond: the
  // date is formatted once a second, the millisecond joined on once a millisecond, and each
  // entry adds only its microseconds (one string, where padding a number made four).
  if (milli !== cachedMilli) {
    const second = Math.floor(milli / 1000);
    if (second !== cachedSecond) {
      cachedSecond = second;
      secondPrefix = new Date(second * 1000).toISOString().slice(0, 20);
    }
    cachedMilli = milli;
    milliPrefix = secondPrefix + String(milli - second * 1000).padStart(3, '0');
  }
  // The fraction is below 1 and exact (a difference of near doubles); times 1000 it rounds to
  // below 1000 even for the largest double below 1, so the index is 0 to 999.
  return milliPrefix + MICROS_AND_OFFSET[Math.floor((epochMs - milli) * 1000)]!;
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
