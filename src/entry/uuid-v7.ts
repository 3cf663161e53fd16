import { randomBytes } from 'node:crypto';

/** Random hex for 1,023 ids (16 digits each), made in one go: cheaper than bytes per id. */
const POOL_BYTES = 8184;
let pool = '';
let offset = 0;
/** The millisecond the last id carries; never goes back, even when the clock does. */
let lastMs = -1;
/** The 12-bit counter of ids within `lastMs` (RFC 9562 §6.2, method 1). */
let counter = 0;
let cachedTime = '';
const VARIANT: Record<string, string> = {};
for (let i = 0; i < 16; i++) VARIANT[i.toString(16)] = '89ab'[i & 3]!;
/** The counter's three hex digits, formatted once. */
const COUNTER_HEX = Array.from({ length: 4096 }, (_, i) => i.toString(16).padStart(3, '0'));

function setTime(ms: number): void {
  lastMs = ms;
  const time = ms.toString(16).padStart(12, '0');
  cachedTime = `${time.slice(0, 8)}-${time.slice(8, 12)}-7`;
}

/**
 * A time-ordered UUID (version 7, RFC 9562): 48 bits of Unix milliseconds, a 12-bit counter,
 * then 62 random bits. Ids that grow with time land at the right edge of the unique index
 * instead of at random pages, which keeps appends fast as the table grows to millions of rows.
 *
 * Ids made by one process are strictly increasing, as strings too: within a millisecond the
 * counter grows (from a random start), and when it runs out the id borrows the next
 * millisecond. The in-memory backend relies on it to find a repeated id without a map.
 */
export function uuidV7(now: number = Date.now()): string {
  if (now > lastMs) {
    setTime(now);
    counter = Math.floor(Math.random() * 1024);
  } else if (++counter > 0xfff) {
    setTime(lastMs + 1);
    counter = 0;
  }
  if (offset === pool.length) {
    pool = randomBytes(POOL_BYTES).toString('hex');
    offset = 0;
  }
  const random = pool.slice(offset, offset + 16);
  offset += 16;
  return `${cachedTime}${COUNTER_HEX[counter]}-${VARIANT[random[0]!]}${random.slice(1, 4)}-${random.slice(4, 16)}`;
}
