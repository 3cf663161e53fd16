import { InvalidStatusEntryError } from '../errors/status-bus.errors';
import { checkUnreserved } from './reserved-names';
import { StatusEntry } from './status-entry';
import { DEFAULT_ENTRY_LIMITS } from './status-entry-limits';
import { validateMetadata, validateName } from './status-entry.validation';

/** The error `run` throws, checked to be the entry error naming `field`. */
function refusal(run: () => unknown, field: string): string {
  try {
    run();
  } catch (err) {
    expect(err).toBeInstanceOf(InvalidStatusEntryError);
    expect((err as InvalidStatusEntryError).field).toBe(field);
    return (err as Error).message;
  }
  throw new Error(`accepted what ${field} should have refused`);
}

const wire = {
  ts: '2026-12-05T10:00:00.000000+00:00',
  agent_id: 'exec',
  action: 'browse',
  status: 'ok',
  detail: '',
  metadata: {},
};

/**
 * Each rule of what an entry may hold, refused with the field it concerns and the words that
 * say why, and what sits just inside each rule accepted.
 */
describe('entry refusals', () => {
  it('refuses a name of spaces only, whatever its first character', () => {
    for (const name of [' ', '   ', '\t\n', '\u00a0\u2003']) {
      expect(refusal(() => validateName('agent_id', name, DEFAULT_ENTRY_LIMITS), 'agent_id')).toBe(
        'Invalid status entry: agent_id must be a non-empty string, got an empty string',
      );
    }
    expect(validateName('agent_id', ' exec', DEFAULT_ENTRY_LIMITS)).toBe(' exec');
    expect(validateName('agent_id', '\u00e9t\u00e9', DEFAULT_ENTRY_LIMITS)).toBe('\u00e9t\u00e9');
  });

  it('refuses a name longer than the limit, saying how long it is', () => {
    const limits = { ...DEFAULT_ENTRY_LIMITS, maxIdLength: 5 };
    expect(validateName('action', 'abcde', limits)).toBe('abcde');
    expect(refusal(() => validateName('action', 'abcdef', limits), 'action')).toBe(
      'Invalid status entry: action is 6 characters long; the limit is 5',
    );
  });

  it('takes metadata only as a plain object', () => {
    for (const metadata of ['text', [1, 2], 42, true]) {
      expect(refusal(() => validateMetadata(metadata, DEFAULT_ENTRY_LIMITS), 'metadata')).toMatch(
        /^Invalid status entry: metadata must be a plain object, got /,
      );
    }
    expect(validateMetadata(null, DEFAULT_ENTRY_LIMITS)).toEqual({});
  });

  it('stores negative zero as zero, as JSON would', () => {
    const metadata = validateMetadata({ x: -0, list: [-0] }, DEFAULT_ENTRY_LIMITS);
    expect(Object.is(metadata.x, 0)).toBe(true);
    expect(Object.is((metadata.list as number[])[0], 0)).toBe(true);
  });

  it('refuses NUL characters and lone surrogates in metadata strings and keys', () => {
    expect(
      refusal(() => validateMetadata({ a: 'x\u0000y' }, DEFAULT_ENTRY_LIMITS), 'metadata.a'),
    ).toMatch(/NUL/);
    expect(
      refusal(() => validateMetadata({ a: ['\ud800'] }, DEFAULT_ENTRY_LIMITS), 'metadata.a[0]'),
    ).toMatch(/surrogate/);
    expect(
      refusal(() => validateMetadata({ 'k\u0000': 1 }, DEFAULT_ENTRY_LIMITS), 'metadata key'),
    ).toMatch(/NUL/);
    expect(
      refusal(() => validateMetadata({ '\udc00': 1 }, DEFAULT_ENTRY_LIMITS), 'metadata key'),
    ).toMatch(/surrogate/);
  });

  it('keeps a "__proto__" key as data, enumerable, and the prototype untouched', () => {
    const metadata = validateMetadata(
      JSON.parse('{"__proto__": {"polluted": true}, "a": 1}'),
      DEFAULT_ENTRY_LIMITS,
    );
    expect(Object.keys(metadata)).toEqual(['__proto__', 'a']);
    expect(JSON.stringify(metadata)).toBe('{"__proto__":{"polluted":true},"a":1}');
    expect(Object.getPrototypeOf(metadata)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('reads a wire-form entry only from a JSON object', () => {
    for (const json of [null, [], 'entry', 42, undefined]) {
      expect(refusal(() => StatusEntry.fromJSON(json), 'entry')).toBe(
        'Invalid status entry: entry must be a JSON object',
      );
    }
  });

  it('takes a wire-form position only as a positive integer, and none at all', () => {
    for (const seq of [0, -1, 1.5, '3', Number.MAX_SAFE_INTEGER + 1]) {
      expect(refusal(() => StatusEntry.fromJSON({ ...wire, seq }), 'seq')).toMatch(
        /^Invalid status entry: seq must be a positive integer, got /,
      );
    }
    expect(StatusEntry.fromJSON({ ...wire, seq: 1 }).seq).toBe(1);
    expect(StatusEntry.fromJSON({ ...wire, seq: null }).seq).toBeUndefined();
    expect(StatusEntry.fromJSON(wire).seq).toBeUndefined();
  });

  it('names the wire-form field that is wrong', () => {
    expect(refusal(() => StatusEntry.fromJSON({ ...wire, agent_id: '' }), 'agent_id')).toMatch(
      /agent_id must be a non-empty string/,
    );
    expect(refusal(() => StatusEntry.fromJSON({ ...wire, action: 7 }), 'action')).toMatch(
      /action must be a non-empty string/,
    );
  });

  it('takes the room from metadata.room_id only when it is a non-empty string, and checks it there', () => {
    const room = (metadata: Record<string, unknown>) =>
      StatusEntry.create('exec', 'a', 'ok', { metadata }).roomId;
    expect(room({ room_id: 'r1' })).toBe('r1');
    expect(room({ room_id: '' })).toBe('default');
    expect(room({ room_id: 42 })).toBe('default');
    expect(
      refusal(
        () => room({ room_id: 'x'.repeat(DEFAULT_ENTRY_LIMITS.maxIdLength + 1) }),
        'metadata.room_id',
      ),
    ).toMatch(/^Invalid status entry: metadata\.room_id is \d+ characters long/);
  });

  it('refuses reserved names with any number of namespaces checked, and nothing else', () => {
    // A loop running one past the namespaces would test startsWith(undefined): "undefined…".
    expect(() => checkUnreserved('undefined.action', {})).not.toThrow();
    expect(() => checkUnreserved('a2a.task', {})).toThrow(InvalidStatusEntryError);
  });
});
