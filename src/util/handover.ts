/**
 * After how many hand-overs in a row on microtasks one goes through the event loop instead:
 * a subscriber that posts on every entry it receives then cannot keep timers and I/O waiting.
 */
const MICROTASKS_PER_TURN = 256;

/**
 * Runs a stage of the pipeline (the writer, the feed) after the code that woke it.
 *
 * With a store across the network, the next stage waits for the next turn of the event loop
 * (`setImmediate`): everything posted in the meantime joins the same append, and delivery
 * overlaps with the database's work. A store in this process answers at once, so there is
 * nothing to overlap and a turn would be most of the cost of an entry: the hand-over is then a
 * microtask, which still lets every post made by the running code join the batch.
 */
export class Handover {
  private microtasks = 0;

  constructor(private readonly inProcess: boolean) {}

  schedule(run: () => void): void {
    if (this.inProcess && ++this.microtasks < MICROTASKS_PER_TURN) {
      queueMicrotask(run);
      return;
    }
    this.microtasks = 0;
    setImmediate(run);
  }
}
