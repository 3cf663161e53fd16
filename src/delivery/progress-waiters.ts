interface Waiter {
  target: number;
  resolve: () => void;
}

/**
 * Promises that resolve once a counter that only grows (a `seq`, a count of stored entries)
 * reaches their target. Targets arrive almost always in increasing order, so the list stays
 * sorted with an append and resolving is a walk from the front.
 */
export class ProgressWaiters {
  private waiters: Waiter[] = [];
  private head = 0;
  private reached = 0;

  get pending(): number {
    return this.waiters.length - this.head;
  }

  /** Resolves once the counter has reached `target`. */
  wait(target: number): Promise<void> {
    if (target <= this.reached) return Promise.resolve();
    return new Promise((resolve) => {
      const waiter = { target, resolve };
      let i = this.waiters.length;
      while (i > this.head && this.waiters[i - 1]!.target > target) i--;
      this.waiters.splice(i, 0, waiter);
    });
  }

  /** Moves the counter to `value` (never backwards) and resolves every waiter it reaches. */
  advance(value: number): void {
    if (value <= this.reached) return;
    this.reached = value;
    while (this.head < this.waiters.length && this.waiters[this.head]!.target <= value) {
      this.waiters[this.head++]!.resolve();
    }
    if (this.head > 1024 && this.head * 2 > this.waiters.length) {
      this.waiters = this.waiters.slice(this.head);
      this.head = 0;
    }
  }

  /** Resolves every waiter whatever its target: used when the bus closes. */
  releaseAll(): void {
    while (this.head < this.waiters.length) this.waiters[this.head++]!.resolve();
    this.waiters = [];
    this.head = 0;
  }
}
