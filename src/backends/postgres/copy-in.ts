/** What of `pg`'s connection a `COPY … FROM STDIN` uses (methods of `pg` 8's `Connection`). */
interface CopyConnection {
  query(text: string): void;
  sendCopyFromChunk(chunk: Buffer): void;
  endCopyFrom(): void;
}

/**
 * A query string holding one `COPY … FROM STDIN` among other statements, sent as one simple
 * query (one round trip, one implicit transaction: an error anywhere rolls back all of it),
 * the COPY fed with `data`. A `pg` client queues and runs it in turn like any other query
 * (`client.query(copy)`), calling these methods as the server answers; `done` settles with the first
 * column of every row the statements returned, in order, as text, or with the server's error.
 *
 * Written here rather than taken from `pg-copy-streams`, whose streams this does not need, so
 * that the package depends on nothing but `pg`.
 */
export class CopyIn {
  readonly done: Promise<(string | null)[]>;
  /**
   * Called once the query is settled. `pg` wraps it when the connection has a `query_timeout`,
   * to clear its timer.
   */
  callback: (err?: unknown) => void = () => undefined;
  private readonly values: (string | null)[] = [];
  private resolve!: (values: (string | null)[]) => void;
  private reject!: (err: unknown) => void;

  constructor(
    private readonly text: string,
    private readonly data: Buffer,
  ) {
    this.done = new Promise<(string | null)[]>((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
    // Awaited by whoever sent it; never an unhandled rejection meanwhile.
    this.done.catch(() => undefined);
  }

  submit(connection: Pick<CopyConnection, 'query'>): void {
    connection.query(this.text);
  }

  handleCopyInResponse(connection: CopyConnection): void {
    connection.sendCopyFromChunk(this.data);
    connection.endCopyFrom();
  }

  handleDataRow(message: { fields: (string | null)[] }): void {
    this.values.push(message.fields[0] ?? null);
  }

  handleReadyForQuery(): void {
    this.callback();
    this.resolve(this.values);
  }

  /** The server's error, or the connection's when it breaks: then nothing else is called. */
  handleError(err: unknown): void {
    this.callback(err);
    this.reject(err);
  }

  // Nothing to do for these; defined because `pg` calls one for whichever message arrives.
  handleRowDescription(): void {}
  handleCommandComplete(): void {}
  handleEmptyQuery(): void {}
  handlePortalSuspended(): void {}
  handleCopyData(): void {}
}
