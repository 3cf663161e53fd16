/**
 * An array that is taken from the front, in O(1): the taken slots are dropped in bulk once they
 * are the larger part, instead of `shift()` moving every element each time.
 */
export class Queue<T> {
  private items: T[] = [];
  private head = 0;

  get size(): number {
    return this.items.length - this.head;
  }

  /** The `i`-th element from the front (0 is the oldest). */
  at(i: number): T | undefined {
    return this.items[this.head + i];
  }

  push(item: T): void {
    this.items.push(item);
  }

  /** Removes and returns the oldest element. */
  shift(): T | undefined {
    if (this.head === this.items.length) return undefined;
    const item = this.items[this.head++];
    if (this.head === this.items.length) {
      this.items = [];
      this.head = 0;
    } else if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return item;
  }

  /** The index of the first element for which `before` is false, by halving (sorted queues). */
  search(before: (item: T) => boolean): number {
    let low = 0;
    let high = this.size;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (before(this.at(mid)!)) low = mid + 1;
      else high = mid;
    }
    return low;
  }
}
