/** Base class of every error the status bus throws, so callers can catch them as one family. */
export class StatusBusError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/**
 * An argument of `post`, `postAsync`, `recent` or `StatusEntry.fromJSON` is not acceptable.
 * `field` names the offending field in its wire spelling (`agent_id`, `metadata`, ...).
 */
export class InvalidStatusEntryError extends StatusBusError {
  constructor(
    readonly field: string,
    problem: string,
  ) {
    super(`Invalid status entry: ${field} ${problem}`);
  }
}

/** The bus was closed (explicitly or by application shutdown); nothing more can be posted. */
export class StatusBusClosedError extends StatusBusError {
  constructor(operation: string) {
    super(
      `StatusBus is closed: ${operation} was called after close(). ` +
        'Entries posted before close() were flushed; create a new application to post again.',
    );
  }
}

/**
 * More entries wait to be stored than `maxBufferedEntries` allows (the store is down or too slow).
 * The rejected entry was not accepted; every entry accepted earlier is still queued.
 */
export class StatusBufferFullError extends StatusBusError {
  constructor(limit: number) {
    super(
      `StatusBus buffer is full: ${limit} entries are waiting to be stored, so this entry was ` +
        'rejected. The store is unreachable or slower than the posting rate; raise ' +
        'maxBufferedEntries or slow the producers down.',
    );
  }
}

/** `postAsync` could not confirm that the entry was stored within `postTimeoutMs`. */
export class StatusStoreTimeoutError extends StatusBusError {
  constructor(timeoutMs: number, cause?: unknown) {
    super(
      `StatusBus could not store the entry within ${timeoutMs} ms` +
        (cause instanceof Error ? ` (last error: ${cause.message})` : '') +
        '. The entry stays queued and is written when the store is reachable again.',
    );
  }
}

/** Module options that cannot work together, reported when the module starts. */
export class StatusBusConfigError extends StatusBusError {}

/** A read (`recent`, `recentText`, `summary`, `subscribe`) was given a bad argument. */
export class InvalidStatusQueryError extends StatusBusError {
  constructor(
    readonly parameter: string,
    problem: string,
  ) {
    super(`Invalid status query: ${parameter} ${problem}`);
  }
}

/**
 * A reader asked for what came after a position the store no longer keeps entries from: what
 * lay between is gone (the in-memory backend keeps the last `maxEntries`). Said instead of
 * answering the entries that are left as if nothing were missing. The reader starts again from
 * the current state (the snapshot) and resumes after `oldestSeq - 1`, or later.
 */
export class StatusResumePointLostError extends StatusBusError {
  constructor(
    readonly after: number,
    readonly oldestSeq: number,
  ) {
    super(
      `The entries after seq ${after} are no longer all kept: the oldest the store keeps is ` +
        `seq ${oldestSeq}. Read the current state, then resume from ${oldestSeq - 1} or later.`,
    );
  }
}

/**
 * The store could not answer a read (`recent`, `entriesAfter`, `hasCompleted`, ...): it is
 * unreachable or failing. Nothing was changed; the read can be retried later.
 */
export class StatusStoreUnavailableError extends StatusBusError {
  constructor(operation: string, cause: unknown) {
    super(
      `The status store could not answer ${operation}` +
        (cause instanceof Error ? `: ${cause.message}` : '') +
        '. Retry once it is reachable again.',
    );
  }
}
