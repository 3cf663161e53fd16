import { Deadlines } from './deadlines';

const never = () => new Promise<never>(() => undefined);
const later = <T>(ms: number, value: T) =>
  new Promise<T>((resolve) => setTimeout(() => resolve(value), ms));

describe('Deadlines', () => {
  it('passes outcomes through and rejects only the calls that outlast the limit', async () => {
    const deadlines = new Deadlines(40);
    const timeout = () => new Error('too slow');
    const fast = deadlines.race(later(5, 'fast'), timeout);
    const failing = deadlines.race(Promise.reject(new Error('refused')), timeout);
    const hung = deadlines.race(never(), timeout);
    await expect(fast).resolves.toBe('fast');
    await expect(failing).rejects.toThrow('refused');
    await new Promise((resolve) => setTimeout(resolve, 20));
    // Started 20 ms after the first ones: still running when they expire.
    const second = deadlines.race(later(35, 'second'), timeout);
    const secondHung = deadlines.race(never(), timeout);
    await expect(hung).rejects.toThrow('too slow');
    await expect(second).resolves.toBe('second');
    await expect(secondHung).rejects.toThrow('too slow');
  });
});
