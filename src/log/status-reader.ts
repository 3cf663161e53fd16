import { StatusBackend, StatusFilter } from '../backends/status-backend';
import { StatusEntry } from '../entry/status-entry';
import {
  StatusBusError,
  StatusResumePointLostError,
  StatusStoreUnavailableError,
} from '../errors/status-bus.errors';
import { checkCount, checkFilter, checkSeq } from './status-query';

/**
 * The log's reads of the store: each checks its arguments, waits for the store to be open,
 * and turns a failure of the store itself into a `StatusStoreUnavailableError`, which callers
 * and the HTTP edge can tell from a bad argument.
 */
export class StatusReader {
  constructor(
    private readonly backend: StatusBackend,
    private readonly open: () => Promise<void>,
  ) {}

  /** The last `n` entries matching `filter`, oldest first. */
  async recent(n: number, filter: StatusFilter): Promise<StatusEntry[]> {
    checkCount(n);
    const checked = checkFilter(filter);
    return this.read('recent', () => this.backend.recent(n, checked));
  }

  /**
   * Up to `limit` entries after `seq` that match `filter`.
   * @throws StatusResumePointLostError when the store no longer keeps all of them
   */
  // A property, so that it can be handed on as it is (a resumable subscription reads with it).
  readonly entriesAfter = async (
    seq: number,
    limit: number,
    filter: StatusFilter,
  ): Promise<StatusEntry[]> => {
    checkSeq(seq);
    checkCount(limit);
    const checked = checkFilter(filter);
    const backend = this.backend;
    const [entries, oldest] = await this.read('entriesAfter', () =>
      Promise.all([backend.readAfter(seq, limit, checked), backend.oldest?.() ?? 0]),
    );
    if (seq < oldest - 1) throw new StatusResumePointLostError(seq, oldest);
    return entries;
  };

  /** The oldest position the store keeps; `0` when empty. A property, as `entriesAfter`. */
  readonly oldestSeq = async (): Promise<number> => {
    const backend = this.backend;
    if (!backend.oldest)
      return this.read('oldestSeq', async () => Math.min(1, await backend.head()));
    return this.read('oldestSeq', () => backend.oldest!());
  };

  /** Whether a `completed` entry exists (from `agentId`, in `roomId`, when given). */
  async hasCompleted(agentId: string | undefined, roomId: string | undefined): Promise<boolean> {
    checkFilter({ agentId, roomId });
    return this.read('hasCompleted', () => this.backend.hasCompleted(agentId, roomId));
  }

  /** Runs `work` once the store is open, naming `operation` when the store fails it. */
  async read<T>(operation: string, work: () => Promise<T>): Promise<T> {
    try {
      await this.open();
      return await work();
    } catch (err) {
      if (err instanceof StatusBusError) throw err;
      throw new StatusStoreUnavailableError(operation, err);
    }
  }
}
