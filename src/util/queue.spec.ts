import { Queue } from './queue';

/** The queue's elements, front first, read through `at`. */
const contents = <T>(queue: Queue<T>): T[] =>
  Array.from({ length: queue.size }, (_, i) => queue.at(i)!);

describe('Queue', () => {
  it('keeps first-in, first-out order as its ring wraps around and grows', () => {
    const queue = new Queue<number>();
    const model: number[] = [];
    let next = 0;
    // Rounds that add more than they take: the front moves round the ring while it grows.
    for (let round = 0; round < 200; round++) {
      for (let i = 0; i < 7; i++) {
        queue.push(next);
        model.push(next++);
      }
      for (let i = 0; i < 5; i++) expect(queue.shift()).toBe(model.shift());
      expect(queue.size).toBe(model.length);
    }
    expect(contents(queue)).toEqual(model);
    while (model.length > 0) expect(queue.shift()).toBe(model.shift());
    expect(queue.shift()).toBeUndefined();
    expect(queue.size).toBe(0);
  });

  it('answers nothing outside its elements', () => {
    const queue = new Queue<string>();
    for (const item of ['a', 'b', 'c']) queue.push(item);
    queue.shift();
    expect([queue.at(-1), queue.at(0), queue.at(1), queue.at(2)]).toEqual([
      undefined,
      'b',
      'c',
      undefined,
    ]);
  });

  it('finds the first element past a point by halving, across the wrap', () => {
    const queue = new Queue<number>();
    for (let i = 0; i < 12; i++) queue.push(i);
    for (let i = 0; i < 10; i++) queue.shift();
    for (let i = 12; i < 20; i++) queue.push(i); // now 10..19, wrapped round a ring of 16
    expect(queue.search((n) => n < 15)).toBe(5);
    expect(queue.search((n) => n < 0)).toBe(0);
    expect(queue.search((n) => n < 100)).toBe(10);
  });

  it('is usable again after a burst has drained it', () => {
    const queue = new Queue<number>();
    for (let i = 0; i < 5000; i++) queue.push(i);
    for (let i = 0; i < 5000; i++) queue.shift();
    queue.push(1);
    queue.push(2);
    expect(contents(queue)).toEqual([1, 2]);
  });
});
