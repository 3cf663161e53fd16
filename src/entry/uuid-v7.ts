import { randomFillSync } from 'node:crypto';

const HEX = Buffer.from('0123456789abcdef', 'latin1');
/** Random bytes for 1,024 ids (8 each), drawn in one go: cheaper than bytes per id. */
const pool = Buffer.alloc(8192);
let offset = pool.length;
/**
 * The id being made, as Latin-1 characters. Read out of the buffer in one go, the id is a flat
 * string: one built by concatenation is a rope that V8 copies into a flat one the first time
 * it is compared or hashed, which cost more than making it (the in-memory backend compares
 * every new id).
 */
const id = Buffer.from('00000000-0000-7000-8000-000000000000', 'latin1');
/** Where each of the 62 random bits' hex digits goes, after the variant's digit (position 19). */
const RANDOM_DIGITS = [20, 21, 22, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35];
/** The millisecond the last id carries; never goes back, even when the clock does. */
let lastMs = -1;
/** The 12-bit counter of ids within `lastMs` (RFC 9562 §6.2, method 1). */
let counter = 0;

/** Writes the 48-bit millisecond time as the first 12 hex digits (around the first dash). */
function setTime(ms: number): void {
  // Whole milliseconds: a fraction would leave digits that are not hex.
  lastMs = Math.floor(ms);
  let rest = lastMs;
  for (let digit = 11; digit >= 0; digit--) {
    id[digit < 8 ? digit : digit + 1] = HEX[rest % 16]!;
    rest = Math.floor(rest / 16);
  }
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
  id[15] = HEX[counter >> 8]!;
  id[16] = HEX[(counter >> 4) & 15]!;
  id[17] = HEX[counter & 15]!;
  if (offset === pool.length) {
    randomFillSync(pool);
    offset = 0;
  }
  // The variant (binary 10) and 2 random bits, then 60 random bits: 15 hex digits.
  const first = pool[offset]!;
  id[19] = HEX[8 | (first & 3)]!;
  let digit = 0;
  id[RANDOM_DIGITS[digit++]!] = HEX[first >> 4]!;
  for (let i = 1; i < 8; i++) {
    const byte = pool[offset + i]!;
    id[RANDOM_DIGITS[digit++]!] = HEX[byte >> 4]!;
    id[RANDOM_DIGITS[digit++]!] = HEX[byte & 15]!;
  }
  offset += 8;
  return id.toString('latin1', 0, 36);
}
