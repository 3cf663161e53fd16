import { Client, type ClientConfig } from 'pg';
import type { StatusEntry } from '../../entry/status-entry';
import { CopyIn } from './copy-in';
import { COPY_ENTRIES, copyRows } from './postgres-entry-row';

/** The append of a batch some of whose entries may be stored already (it skips them). */
const APPEND =
  'SELECT entry_id, seq FROM status_bus_append($1::json, $2::uuid, $3::text, $4::timestamptz)';

/** Positions of a batch's entries, as the append answers them. */
export type Stored = { entry_id: string; seq: string | number }[];

/** Whether `status_bus_append_begin` refused a batch because some of its entries are stored. */
function isStoredAlready(err: unknown): boolean {
  return (err as { code?: string }).code === '23505';
}

/**
 * The PostgreSQL backend's appends, on a connection of their own, in the order they are made,
 * each batch naming the one before it; by COPY, or by `status_bus_append` for a batch some of
 * whose entries are stored already.
 */
export class PostgresAppender {
  /**
   * The connection appends go through, in order; replaced when it breaks. Kept as the promise
   * of the connection so that appends made while it connects are sent in the order they were
   * made: each waits on this same promise, and its callbacks run in the order they were added.
   */
  private appending: Promise<Client> | undefined;
  /** The last entry of the latest append sent and not yet answered, and when its batch was made. */
  private pendingLast: { id: string; since: number; done: Promise<unknown> } | undefined;

  /**
   * @param config the append connection's settings
   * @param channel the channel the bus's instances listen on, known once the backend is open
   */
  constructor(
    private readonly config: () => ClientConfig,
    private readonly channel: () => string,
  ) {}

  /**
   * Sends an append of `entries` (the earliest made at `earliest`) on the append connection. A batch sent while another is still
   * unanswered names that one's last entry, so it cannot commit if the other did not.
   *
   * Everything up to handing the query to the connection happens in the order of the calls:
   * the predecessor is taken now, and the query is queued on the connection from a callback of
   * the one promise every append waits on. (An `await` of a fresh promise per call let a later
   * append overtake an earlier one that was still waiting for the connection.)
   */
  async send(entries: readonly StatusEntry[], earliest: number): Promise<Stored> {
    const before = this.pendingLast;
    const after = before?.id ?? null;
    // Where the append looks for duplicates and for the batch before: from when the earliest
    // entry of either was made.
    const since = new Date(Math.min(earliest, before?.since ?? Infinity)).toISOString();
    const result = this.appendConnection().then((connection) =>
      this.copyBatch(connection, entries, after, since),
    );
    const pending = {
      id: entries[entries.length - 1]!.id,
      since: earliest,
      done: result.catch(() => undefined),
    };
    this.pendingLast = pending;
    void pending.done.then(() => {
      if (this.pendingLast === pending) this.pendingLast = undefined;
    });
    return result;
  }

  /** Stores a batch with one call of `status_bus_append`, which skips entries already stored. */
  private async insertBatch(
    connection: Client,
    entries: readonly StatusEntry[],
    after: string | null,
    since: string,
  ): Promise<Stored> {
    const batch = JSON.stringify(
      entries.map((e) => ({
        entry_id: e.id,
        ts: e.ts,
        agent_id: e.agentId,
        action: e.action,
        status: e.status,
        detail: e.detail,
        metadata: e.metadata,
        room_id: e.roomId,
      })),
    );
    const params = [batch, after, this.channel(), since];
    return (await connection.query<{ entry_id: string; seq: string }>(APPEND, params)).rows;
  }

  /**
   * Stores a batch by COPY: `status_bus_append_begin`, the COPY and `status_bus_append_end`, sent
   * as one query string (one round trip, one transaction). The first takes the lock and refuses
   * a batch holding an entry already stored (a retry whose first attempt committed unanswered);
   * that batch goes through `status_bus_append` instead, which skips those entries.
   *
   * The entries' positions follow one another from the position before the batch, unless
   * something else took positions from the sequence meanwhile: then it answers none, and
   * `append` reads them back.
   */
  private async copyBatch(
    connection: Client,
    entries: readonly StatusEntry[],
    after: string | null,
    since: string,
  ): Promise<Stored> {
    const literal = (value: string) => connection.escapeLiteral(value);
    const ids = literal(`{${entries.map((e) => e.id).join(',')}}`);
    const copy = new CopyIn(
      `SELECT status_bus_append_begin(${ids}::uuid[], ${after === null ? 'NULL' : literal(after)}::uuid, ` +
        `${literal(since)}::timestamptz);\n${COPY_ENTRIES};\n` +
        `SELECT status_bus_append_end(${literal(this.channel())})`,
      copyRows(entries),
    );
    connection.query(copy);
    let values: (string | null)[];
    try {
      values = await copy.done;
    } catch (err) {
      if (isStoredAlready(err)) return this.insertBatch(connection, entries, after, since);
      throw err;
    }
    const [before, newest] = [Number(values[0]), Number(values[1])];
    if (newest - before !== entries.length) return [];
    return entries.map((e, i) => ({ entry_id: e.id, seq: before + 1 + i }));
  }

  private appendConnection(): Promise<Client> {
    if (this.appending) return this.appending;
    const client = new Client(this.config());
    const connected = client.connect().then(
      () => client,
      (err: unknown) => {
        broken();
        throw err;
      },
    );
    const broken = () => {
      if (this.appending === connected) this.appending = undefined;
    };
    client.on('error', broken);
    client.on('end', broken);
    this.appending = connected;
    return connected;
  }

  /** Ends the append connection. */
  async close(): Promise<void> {
    const appending = this.appending;
    this.appending = undefined;
    await appending?.then((client) => client.end()).catch(() => undefined);
  }
}
