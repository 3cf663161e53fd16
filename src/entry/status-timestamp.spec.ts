import { nowTimestamp } from './status-timestamp';

/** Milliseconds since the epoch of a UTC time, plus `fraction` of a millisecond. */
const at = (iso: string, fraction = 0) => Date.parse(iso) + fraction;

describe('nowTimestamp', () => {
  it('writes microseconds, and follows the clock across milliseconds, seconds and back', () => {
    // Fractions a binary double holds exactly, so the expected microseconds are exact.
    const times: [number, string][] = [
      [at('2026-11-24T06:39:28.979Z', 0.5), '2026-11-24T06:39:28.979500+00:00'],
      [at('2026-11-24T06:39:28.979Z', 0.25), '2026-11-24T06:39:28.979250+00:00'],
      [at('2026-11-24T06:39:28.980Z'), '2026-11-24T06:39:28.980000+00:00'],
      [at('2026-11-24T06:39:29.000Z', 0.125), '2026-11-24T06:39:29.000125+00:00'],
      [at('2026-11-24T06:39:29.007Z', 0.875), '2026-11-24T06:39:29.007875+00:00'],
      // The clock going back (a manual clock, say): the earlier time, not the cached one.
      [at('2026-11-24T06:39:28.979Z', 0.5), '2026-11-24T06:39:28.979500+00:00'],
      [at('2025-01-01T00:00:00.000Z'), '2025-01-01T00:00:00.000000+00:00'],
    ];
    for (const [epochMs, expected] of times) expect(nowTimestamp(epochMs)).toBe(expected);
  });

  it('writes the largest fraction below a millisecond as 999 microseconds', () => {
    // The largest double below 1: times 1000 it must not round up into the next millisecond.
    expect(nowTimestamp(1 - 2 ** -53)).toBe('1970-01-01T00:00:00.000999+00:00');
    expect(nowTimestamp(at('2026-11-24T06:39:28.979Z', 1 - 2 ** -12))).toBe(
      '2026-11-24T06:39:28.979999+00:00',
    );
  });
});
