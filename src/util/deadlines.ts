import { Queue } from './queue';

interface Deadline {
  due: number;
  expire: () => void;
  settled: boolean;
}

/**
 * Time limits that all last `ms`, kept on one timer. A timer per call (`setTimeout` then
 * `clearTimeout` around every `postAsync`) costs more than an in-memory post itself; since every
 * limit lasts as long, they expire in the order they were set, and one timer armed for the
 * oldest still running covers them all.
 */
export class Deadlines {
  private readonly running = new Queue<Deadline>();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly ms: number) {}

  /**
   * A promise that `start` resolves through the function it is handed, or that rejects with
   * `onTimeout()` if that takes longer than `ms`. (One promise per call: racing a promise of
   * the caller's cost two more and their callbacks, on every `postAsync`.)
   */
  wait<T>(
    start: (resolve: (value: T | PromiseLike<T>) => void) => void,
    onTimeout: () => Error,
  ): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const deadline: Deadline = {
        due: Date.now() + this.ms,
        expire: () => reject(onTimeout()),
        settled: false,
      };
      this.running.push(deadline);
      if (!this.timer) this.arm(this.ms);
      start((value) => {
        if (deadline.settled) return;
        this.settle(deadline);
        resolve(value);
      });
    });
  }

  private settle(deadline: Deadline): void {
    deadline.settled = true;
    // Calls mostly finish in the order they started: drop the finished ones from the front.
    while (this.running.at(0)?.settled) this.running.shift();
  }

  /**
   * Left armed when every call has finished (the next one would arm it again at once), so it
   * must not keep the process alive: what a waiting call waits for (the store's connection, a
   * retry's timer) does that.
   */
  private arm(ms: number): void {
    this.timer = setTimeout(() => this.expire(), ms);
    this.timer.unref();
  }

  private expire(): void {
    this.timer = undefined;
    const now = Date.now();
    for (let oldest = this.running.at(0); oldest; oldest = this.running.at(0)) {
      if (!oldest.settled) {
        if (oldest.due > now) {
          this.arm(oldest.due - now);
          return;
        }
        oldest.settled = true;
        oldest.expire();
      }
      this.running.shift();
    }
  }
}
