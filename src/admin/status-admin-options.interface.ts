/**
 * The admin HTTP API. Given at definition time (also with `forRootAsync`), because routes are
 * fixed when the module is defined; without it the module adds no routes.
 */
export interface StatusAdminOptions {
  /**
   * Every admin route then requires `Authorization: Bearer <token>`. Without a token the
   * application refuses to start, unless `public` is true. At least 16 characters of
   * printable ASCII without spaces (for instance `randomBytes(32).toString('hex')`); a token
   * that breaks these rules stops the application with a message that never quotes it.
   */
  token?: string;
  /** Serve the admin routes without a token. Only for demos and closed networks. @default false */
  public?: boolean;
  /** Route prefix. @default 'status' */
  path?: string;
  /** Accept `POST {path}` (posting entries over HTTP). @default true */
  allowPost?: boolean;
  /** Interval of the comment lines that keep idle event streams open through proxies. @default 15000 */
  heartbeatMs?: number;
  /**
   * Largest `POST` body accepted, in bytes, whatever its transfer encoding (a length, chunks,
   * or gzip: the JSON it carries is measured). The platform's JSON parser applies its own
   * limit first, 100 KiB in Nest by default: to accept more, raise both
   * (`app.useBodyParser('json', { limit: '1mb' })` on Express).
   * @default 102400
   */
  maxBodyBytes?: number;
  /**
   * Bytes that may wait in memory for one event-stream client. Beyond them the stream stops
   * writing to that client until it has read what waits, then reads what it missed from the
   * store: a slow client gets every entry at its own pace, at a bounded cost, and other clients
   * are not affected.
   * @default 1048576
   */
  maxStreamBufferBytes?: number;
  /**
   * How long an event-stream client may leave what waits for it unread. Then it gets a last
   * `event: end` (`{"reason":"slow_client","last_seq":N}`) and the stream ends; it resumes
   * from `last_seq` with `Last-Event-ID`.
   * @default 30000
   */
  streamStallMs?: number;
  /**
   * Serve the bus as an MCP server at `{path}/mcp` (Streamable HTTP, stateless): tools
   * `read_progress` and `post_status`, each room's board as a resource. Needs
   * `@modelcontextprotocol/sdk` and `zod`: without them the endpoint is left out, with a line in
   * the log, unless this is `true`, which then stops the application.
   * @default on when the SDK is installed
   */
  mcp?: boolean;
  /**
   * Serve AG-UI runs at `POST {path}/ag-ui`: the room's state, its entries after a position,
   * and new ones for a while, as an AG-UI event stream.
   * @default true
   */
  agUi?: boolean;
}
