import { Deadlines } from './deadlines';

/** A start that resolves with `value` after `ms`, or never. */
const after =
  <T>(ms: number, value: T) =>
  (resolve: (value: T) => void) =>
    void setTimeout(() => resolve(value), ms);
const never = () => undefined;

describe('Deadlines', () => {
  it('passes values through and rejects only the calls that outlast the limit', async () => {
    const deadlines = new Deadlines(40);
    const timeout = () => new Error('too slow');
    const fast = deadlines.wait(after(5, 'fast'), timeout);
    const hung = deadlines.wait(never, timeout);
    await expect(fast).resolves.toBe('fast');
    await new Promise((resolve) => setTimeout(resolve, 20));
    // Started 20 ms after the first ones: still running when they expire.
    const second = deadlines.wait(after(35, 'second'), timeout);
    const secondHung = deadlines.wait(never, timeout);
    // Resolved after its limit: stays rejected.
    const late = deadlines.wait(after(80, 'late'), timeout);
    await expect(hung).rejects.toThrow('too slow');
    await expect(second).resolves.toBe('second');
    await expect(secondHung).rejects.toThrow('too slow');
    await expect(late).rejects.toThrow('too slow');
  });
});
