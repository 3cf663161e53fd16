/** Slots a queue starts with; a power of two, as every capacity is. */
const INITIAL_CAPACITY = 16;
/** Largest ring an empty queue keeps. */
const MAX_IDLE_CAPACITY = 1024;

/**
 * A first-in, first-out list on a ring of slots: taking from the front and adding at the back
 * cost O(1) and, once the ring is large enough, allocate nothing. A queue that keeps about as
 * many items as it takes (the in-memory store's indexes, a few hundred entries each) would
 * otherwise copy and regrow an array every thousand or so items, which was most of what an
 * in-memory append allocated.
 */
export class Queue<T> {
  private slots: (T | undefined)[] = new Array<T | undefined>(INITIAL_CAPACITY);
  /** `slots.length - 1`: the capacity is a power of two, so a mask wraps an index. */
  private mask = INITIAL_CAPACITY - 1;
  private head = 0;
  private count = 0;

  get size(): number {
    return this.count;
  }

  /** The `i`-th element from the front (0 is the oldest). */
  at(i: number): T | undefined {
    return i >= 0 && i < this.count ? this.slots[(this.head + i) & this.mask] : undefined;
  }

  push(item: T): void {
    if (this.count === this.slots.length) this.grow();
    this.slots[(this.head + this.count) & this.mask] = item;
    this.count += 1;
  }

  /** Removes and returns the oldest element. */
  shift(): T | undefined {
    if (this.count === 0) return undefined;
    const item = this.slots[this.head];
    // Cleared, so that the ring does not keep what left it alive.
    this.slots[this.head] = undefined;
    this.head = (this.head + 1) & this.mask;
    this.count -= 1;
    // A queue that ran dry after a burst gives its large ring back.
    if (this.count === 0 && this.slots.length > MAX_IDLE_CAPACITY) {
      this.slots = new Array<T | undefined>(INITIAL_CAPACITY);
      this.mask = INITIAL_CAPACITY - 1;
      this.head = 0;
    }
    return item;
  }

  /** The index of the first element for which `before` is false, by halving (sorted queues). */
  search(before: (item: T) => boolean): number {
    let low = 0;
    let high = this.count;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (before(this.slots[(this.head + mid) & this.mask]!)) low = mid + 1;
      else high = mid;
    }
    return low;
  }

  /** Doubles the ring, its elements moved to the front of the new one in order. */
  private grow(): void {
    const slots = new Array<T | undefined>(this.slots.length * 2);
    for (let i = 0; i < this.count; i++) slots[i] = this.slots[(this.head + i) & this.mask];
    this.slots = slots;
    this.mask = slots.length - 1;
    this.head = 0;
  }
}
