/** How the delegation guard decides. */
export interface DelegationGuardOptions {
  /** A completion younger than this refuses a new delegation. @default 5000 */
  windowMs?: number;
  /** Post a `voice / delegate_task / info` entry when a delegation is refused. @default true */
  postSkipped?: boolean;
  /** Milliseconds since the epoch; replace it to control time in tests. @default Date.now */
  clock?: () => number;
}
