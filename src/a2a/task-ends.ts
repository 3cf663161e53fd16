/**
 * Who waits for a task to end (a cancel request waits for the task to reach a final state, on
 * whichever instance runs it), by the task's key.
 */
export class TaskEnds {
  private readonly waiters = new Map<string, Set<() => void>>();

  /** Resolves `true` once `ended(key)` is told, or `false` after `timeoutMs`. */
  wait(key: string, timeoutMs: number): Promise<boolean> {
    return new Promise<boolean>((resolve) => {
      const waiters = this.waiters.get(key) ?? new Set();
      const done = (result: boolean) => {
        clearTimeout(timer);
        waiters.delete(end);
        if (waiters.size === 0) this.waiters.delete(key);
        resolve(result);
      };
      const end = () => done(true);
      const timer = setTimeout(() => done(false), timeoutMs);
      waiters.add(end);
      this.waiters.set(key, waiters);
    });
  }

  /** The task of `key` has reached a final state: its waiters are told. */
  ended(key: string): void {
    for (const end of [...(this.waiters.get(key) ?? [])]) end();
  }
}
