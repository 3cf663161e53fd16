import { describeValue } from '../errors/describe-value';
import { InvalidStatusEntryError } from '../errors/status-bus.errors';
import { StatusEntryLimits } from './status-entry-limits';
import { isStatusLevel, STATUS_LEVELS, StatusLevel } from './status-level';

/** JSON values as the bus stores them: what goes in comes back out the same. */
export type JsonValue =
  null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };
export type StatusMetadata = Readonly<Record<string, JsonValue>>;

const EMPTY_METADATA: StatusMetadata = Object.freeze({});

/**
 * Any character that is not white space. Made once: a regular expression literal makes a new
 * object each time it is evaluated, which on a name's check was a third of what it allocated.
 */
const NON_SPACE = /\S/;

/**
 * Rejects what PostgreSQL's text and jsonb types cannot hold, so that an entry is accepted by
 * every backend or by none: NUL characters and unpaired UTF-16 surrogates.
 */
export function textProblem(value: string): string | undefined {
  if (value.includes('\u0000')) return 'contains a NUL character (\\u0000), which cannot be stored';
  if (!value.isWellFormed()) {
    return 'contains an unpaired UTF-16 surrogate, which is not valid Unicode and cannot be stored';
  }
  return undefined;
}

function checkText(field: string, value: string): void {
  const problem = textProblem(value);
  if (problem) throw new InvalidStatusEntryError(field, problem);
}

export function validateName(field: string, value: unknown, limits: StatusEntryLimits): string {
  if (typeof value !== 'string') {
    throw new InvalidStatusEntryError(
      field,
      `must be a non-empty string, got ${describeValue(value)}`,
    );
  }
  // A test for any non-space character, rather than trim(), which would copy the string; a
  // name that starts with a visible ASCII character (as almost all do) needs no test at all.
  const first = value.charCodeAt(0);
  if (!(first > 32 && first < 127) && !NON_SPACE.test(value)) {
    throw new InvalidStatusEntryError(field, 'must be a non-empty string, got an empty string');
  }
  if (value.length > limits.maxIdLength) {
    throw new InvalidStatusEntryError(
      field,
      `is ${value.length} characters long; the limit is ${limits.maxIdLength}`,
    );
  }
  checkText(field, value);
  return value;
}

export function validateStatus(value: unknown): StatusLevel {
  if (!isStatusLevel(value)) {
    throw new InvalidStatusEntryError(
      'status',
      `must be one of ${STATUS_LEVELS.join(', ')}; got ${describeValue(value)}`,
    );
  }
  return value;
}

export function validateDetail(value: unknown, limits: StatusEntryLimits): string {
  if (value === undefined || value === null) return '';
  if (typeof value !== 'string') {
    throw new InvalidStatusEntryError('detail', `must be a string, got ${describeValue(value)}`);
  }
  if (value.length > limits.maxDetailLength) {
    throw new InvalidStatusEntryError(
      'detail',
      `is ${value.length} characters long; the limit is ${limits.maxDetailLength}`,
    );
  }
  checkText('detail', value);
  return value;
}

/** The walk through one metadata value: limits, running size, and where it is. */
interface MetadataWalk {
  limits: StatusEntryLimits;
  /**
   * The size of the JSON so far, counting each string as if nothing in it were escaped: at
   * most the real size, and at least a sixth of it (an escape takes at most six characters).
   */
  size: number;
  /** The objects and arrays above the current node (cycle check; depth ≤ 32 keeps it cheap). */
  ancestors: object[];
  /** Keys and indexes leading to the current node; turned into a path only for an error. */
  keys: (string | number)[];
}

function pathOf(walk: MetadataWalk): string {
  return walk.keys.reduce<string>(
    (path, key) => (typeof key === 'number' ? `${path}[${key}]` : `${path}.${key}`),
    'metadata',
  );
}

function grow(walk: MetadataWalk, n: number): void {
  walk.size += n;
  if (walk.size > walk.limits.maxMetadataLength) {
    throw new InvalidStatusEntryError(
      'metadata',
      `is larger than the limit of ${walk.limits.maxMetadataLength} characters of JSON`,
    );
  }
}

/** How many times longer than its characters a string can be in JSON (`\u001f`). */
const MAX_ESCAPE = 6;

function copyJson(node: unknown, walk: MetadataWalk): JsonValue {
  if (node === null || typeof node === 'boolean') {
    grow(walk, node === false ? 5 : 4);
    return node;
  }
  if (typeof node === 'number') {
    if (!Number.isFinite(node)) {
      throw new InvalidStatusEntryError(pathOf(walk), `is ${node}, which JSON cannot represent`);
    }
    grow(walk, String(node).length);
    // JSON has no negative zero; storing 0 is what every backend would read back.
    return node === 0 ? 0 : node;
  }
  if (typeof node === 'string') {
    if (node.includes('\u0000') || !node.isWellFormed()) checkText(pathOf(walk), node);
    grow(walk, node.length + 2);
    return node;
  }
  if (typeof node !== 'object') {
    throw new InvalidStatusEntryError(
      pathOf(walk),
      `is ${describeValue(node)}, which cannot be serialised to JSON`,
    );
  }
  if (walk.ancestors.includes(node)) {
    throw new InvalidStatusEntryError(pathOf(walk), 'is a circular reference');
  }
  if (walk.ancestors.length >= walk.limits.maxMetadataDepth) {
    throw new InvalidStatusEntryError(
      pathOf(walk),
      `nests deeper than ${walk.limits.maxMetadataDepth} levels`,
    );
  }
  walk.ancestors.push(node);
  let result: JsonValue;
  if (Array.isArray(node)) {
    grow(walk, 2 + Math.max(0, node.length - 1)); // brackets and commas
    const out: JsonValue[] = new Array<JsonValue>(node.length);
    for (let i = 0; i < node.length; i++) {
      walk.keys.push(i);
      out[i] = copyJson(node[i], walk);
      walk.keys.pop();
    }
    result = out;
  } else {
    const proto: unknown = Object.getPrototypeOf(node);
    if (proto !== Object.prototype && proto !== null) {
      throw new InvalidStatusEntryError(
        pathOf(walk),
        `is ${describeValue(node)}; only plain objects, arrays, strings, numbers, booleans and null are accepted`,
      );
    }
    const out: Record<string, JsonValue> = {};
    const keys = Object.keys(node);
    grow(walk, 2 + Math.max(0, keys.length - 1)); // braces and commas
    for (const key of keys) {
      if (key.includes('\u0000') || !key.isWellFormed()) checkText(`${pathOf(walk)} key`, key);
      grow(walk, key.length + 3); // the key, its quotes and its colon
      walk.keys.push(key);
      const item = copyJson((node as Record<string, unknown>)[key], walk);
      walk.keys.pop();
      // Plain assignment to "__proto__" would set the prototype instead of storing data.
      if (key === '__proto__') {
        Object.defineProperty(out, key, {
          value: item,
          enumerable: true,
          writable: true,
          configurable: true,
        });
      } else {
        out[key] = item;
      }
    }
    result = out;
  }
  walk.ancestors.pop();
  return Object.freeze(result) as JsonValue;
}

/**
 * Validates `metadata` and returns a deep, frozen copy of it, so that later changes to the
 * caller's object never reach an accepted entry. Anything JSON would silently change (functions,
 * `undefined`, `NaN`, dates, class instances) is refused rather than altered.
 */
export function validateMetadata(value: unknown, limits: StatusEntryLimits): StatusMetadata {
  if (value === undefined || value === null) return EMPTY_METADATA;
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new InvalidStatusEntryError(
      'metadata',
      `must be a plain object, got ${describeValue(value)}`,
    );
  }
  const walk = { limits, size: 0, ancestors: [], keys: [] };
  const copy = copyJson(value, walk) as StatusMetadata;
  // Escapes counted only where they could matter: measured exactly, once, near the limit.
  if (walk.size * MAX_ESCAPE > limits.maxMetadataLength) {
    walk.size = 0;
    grow(walk, JSON.stringify(copy).length);
  }
  return copy;
}
