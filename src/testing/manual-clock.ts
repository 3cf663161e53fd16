/**
 * A clock that moves only when told to, for tests: entry timestamps and the delegation window
 * follow it, so nothing needs to sleep.
 *
 * @example
 * const clock = new ManualClock();
 * clock.advance(4_999); // still inside the 5 s delegation window
 */
export class ManualClock {
  constructor(private epochMs: number = Date.parse('2026-01-01T00:00:00Z')) {}

  /** Milliseconds since the epoch; pass `clock.now` where a `() => number` clock is asked for. */
  readonly now = (): number => this.epochMs;

  /** Moves time forward by `ms`. */
  advance(ms: number): void {
    if (!(ms >= 0)) throw new RangeError(`ManualClock.advance takes a duration ≥ 0, got ${ms}`);
    this.epochMs += ms;
  }

  /** Sets the time, in milliseconds since the epoch. */
  set(epochMs: number): void {
    this.epochMs = epochMs;
  }
}
