import { randomBytes } from 'node:crypto';

/** Random hex for 819 ids, made in one go: cheaper than per-id random bytes and formatting. */
const POOL_BYTES = 8190;
let pool = '';
let offset = 0;
let cachedMs = -1;
let cachedTime = '';
const VARIANT: Record<string, string> = {};
for (let i = 0; i < 16; i++) VARIANT[i.toString(16)] = '89ab'[i & 3]!;

/**
 * A time-ordered UUID (version 7, RFC 9562): 48 bits of Unix milliseconds, then random bits.
 * Entry ids that grow with time land at the right edge of the unique index instead of at
 * random pages, which keeps appends fast as the table grows to millions of rows.
 */
export function uuidV7(now: number = Date.now()): string {
  if (offset === pool.length) {
    pool = randomBytes(POOL_BYTES).toString('hex');
    offset = 0;
  }
  const random = pool.slice(offset, offset + 20);
  offset += 20;
  // Number-to-hex conversion is the dear part; the millisecond changes rarely between ids.
  if (now !== cachedMs) {
    cachedMs = now;
    const time = now.toString(16).padStart(12, '0');
    cachedTime = `${time.slice(0, 8)}-${time.slice(8, 12)}-7`;
  }
  return `${cachedTime}${random.slice(1, 4)}-${VARIANT[random[4]!]}${random.slice(5, 8)}-${random.slice(8, 20)}`;
}
