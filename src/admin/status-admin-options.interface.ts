/**
 * The admin HTTP API. Given at definition time (also with `forRootAsync`), because routes are
 * fixed when the module is defined; without it the module adds no routes.
 */
export interface StatusAdminOptions {
  /**
   * Every admin route then requires `Authorization: Bearer <token>`. Without a token the
   * application refuses to start, unless `public` is true.
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
  /** Largest `POST` body accepted, in bytes. @default 131072 */
  maxBodyBytes?: number;
}
