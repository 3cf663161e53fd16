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
    // Each outcome is awaited where it is made, so that a rejection that comes early (a loaded
    // machine) is never one nobody handles yet.
    const fast = expect(deadlines.wait(after(5, 'fast'), timeout)).resolves.toBe('fast');
    const hung = expect(deadlines.wait(never, timeout)).rejects.toThrow('too slow');
    await fast;
    await new Promise((resolve) => setTimeout(resolve, 20));
    // Started 20 ms after the first ones: still running when they expire.
    const second = expect(deadlines.wait(after(35, 'second'), timeout)).resolves.toBe('second');
    const secondHung = expect(deadlines.wait(never, timeout)).rejects.toThrow('too slow');
    // Resolved after its limit: stays rejected.
    const late = expect(deadlines.wait(after(80, 'late'), timeout)).rejects.toThrow('too slow');
    await Promise.all([hung, second, secondHung, late]);
  });
});
