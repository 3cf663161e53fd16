import { InvalidStatusEntryError } from '../errors/status-bus.errors';
import { StatusEntry } from './status-entry';

const REFERENCE_TS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}\+00:00$/;

describe('StatusEntry', () => {
  it('stamps a new entry with the reference timestamp form and defaults', () => {
    const entry = StatusEntry.create('exec', 'search_google', 'ok');
    expect(entry.ts).toMatch(REFERENCE_TS);
    expect(Math.abs(Date.parse(entry.ts) - Date.now())).toBeLessThan(60_000);
    expect(entry.detail).toBe('');
    expect(entry.metadata).toEqual({});
    expect(entry.seq).toBeUndefined();
  });

  it('serialises to the wire form with the reference key order plus seq', () => {
    const entry = StatusEntry.create('exec', 'click', 'ok', {
      detail: 'd',
      metadata: { a: 1 },
    }).withSeq(7);
    expect(Object.keys(entry.toJSON())).toEqual([
      'seq',
      'ts',
      'agent_id',
      'action',
      'status',
      'detail',
      'metadata',
      'room_id',
    ]);
    expect(JSON.parse(JSON.stringify(entry))).toEqual({
      seq: 7,
      ts: entry.ts,
      agent_id: 'exec',
      action: 'click',
      status: 'ok',
      detail: 'd',
      metadata: { a: 1 },
      room_id: 'default',
    });
  });

  it('belongs to the room it names, else to metadata.room_id (as before rooms), else the default room', () => {
    const context = { defaultRoomId: 'lobby' };
    expect(StatusEntry.create('exec', 'a', 'ok', { roomId: 'room-1' }, context).roomId).toBe(
      'room-1',
    );
    expect(
      StatusEntry.create('exec', 'a', 'ok', { metadata: { room_id: 'room-2' } }, context).roomId,
    ).toBe('room-2');
    expect(StatusEntry.create('exec', 'a', 'ok', {}, context).roomId).toBe('lobby');
    expect(StatusEntry.create('exec', 'a', 'ok').roomId).toBe('default');
    expect(() => StatusEntry.create('exec', 'a', 'ok', { roomId: '' })).toThrow(
      /room_id must be a non-empty string/,
    );
    const line = {
      ts: '2026-11-24T06:39:28.979041+00:00',
      agent_id: 'a',
      action: 'b',
      status: 'ok',
    };
    expect(StatusEntry.fromJSON(line, context).roomId).toBe('lobby');
    expect(StatusEntry.fromJSON({ ...line, room_id: 'r' }, context).roomId).toBe('r');
  });

  it('is immutable, down to its metadata, and independent of the caller’s object', () => {
    const metadata = { nested: { list: [1, 2] } };
    const entry = StatusEntry.create('exec', 'a', 'ok', { metadata });
    metadata.nested.list.push(3);
    expect(entry.metadata).toEqual({ nested: { list: [1, 2] } });
    expect(Object.isFrozen(entry)).toBe(true);
    expect(() => {
      (entry.metadata.nested as { list: number[] }).list.push(4);
    }).toThrow(TypeError);
  });

  it('treats null metadata and detail as the defaults', () => {
    const entry = StatusEntry.fromJSON({
      ts: '2026-11-24T06:39:28.979041+00:00',
      agent_id: 'exec',
      action: 'a',
      status: 'info',
      detail: null,
      metadata: null,
    });
    expect(entry.detail).toBe('');
    expect(entry.metadata).toEqual({});
  });

  it('reads a reference JSONL line, which has no seq', () => {
    const line =
      '{"ts": "2026-11-24T06:39:28.979041+00:00", "agent_id": "system", "action": "task_completed", ' +
      '"status": "completed", "detail": "Duration: 1234ms", "metadata": {"ms": 1234}}';
    const entry = StatusEntry.fromJSON(JSON.parse(line));
    expect(entry.seq).toBeUndefined();
    expect(entry.ts).toBe('2026-11-24T06:39:28.979041+00:00');
    expect(entry.metadata).toEqual({ ms: 1234 });
  });

  it('keeps "__proto__" and "constructor" keys as plain data', () => {
    const metadata = JSON.parse('{"__proto__": {"polluted": true}, "constructor": "x"}') as Record<
      string,
      unknown
    >;
    const entry = StatusEntry.create('exec', 'a', 'ok', { metadata });
    expect(Object.keys(entry.metadata)).toEqual(['__proto__', 'constructor']);
    expect(JSON.stringify(entry.metadata)).toBe(
      '{"__proto__":{"polluted":true},"constructor":"x"}',
    );
    expect(({} as { polluted?: boolean }).polluted).toBeUndefined();
    expect(Object.getPrototypeOf(entry.metadata)).toBe(Object.prototype);
  });

  describe('rejects, naming the field and the problem', () => {
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    const cases: [string, () => unknown, RegExp][] = [
      [
        'an unknown status',
        () => StatusEntry.create('exec', 'a', 'done'),
        /status must be one of ok, failed, pending, info, completed; got the string "done"/,
      ],
      [
        'an empty agent id',
        () => StatusEntry.create('', 'a', 'ok'),
        /agent_id must be a non-empty string, got an empty string/,
      ],
      [
        'a blank agent id',
        () => StatusEntry.create('  ', 'a', 'ok'),
        /agent_id must be a non-empty string/,
      ],
      [
        'a non-string agent id',
        () => StatusEntry.create(42, 'a', 'ok'),
        /agent_id must be a non-empty string, got a number \(42\)/,
      ],
      [
        'a missing action',
        () => StatusEntry.create('exec', undefined, 'ok'),
        /action must be a non-empty string, got undefined/,
      ],
      [
        'a non-string detail',
        () => StatusEntry.create('exec', 'a', 'ok', { detail: 5 as unknown as string }),
        /detail must be a string/,
      ],
      [
        'a huge detail',
        () => StatusEntry.create('exec', 'a', 'ok', { detail: 'x'.repeat(20_000) }),
        /detail is 20000 characters long; the limit is 16384/,
      ],
      [
        'circular metadata',
        () => StatusEntry.create('exec', 'a', 'ok', { metadata: circular }),
        /metadata.self is a circular reference/,
      ],
      [
        'a BigInt in metadata',
        () => StatusEntry.create('exec', 'a', 'ok', { metadata: { n: 1n } }),
        /metadata.n is a bigint/,
      ],
      [
        'a function in metadata',
        () => StatusEntry.create('exec', 'a', 'ok', { metadata: { f: () => 1 } }),
        /metadata.f is a function/,
      ],
      [
        'undefined in metadata',
        () => StatusEntry.create('exec', 'a', 'ok', { metadata: { u: undefined } }),
        /metadata.u is undefined/,
      ],
      [
        'NaN in metadata',
        () => StatusEntry.create('exec', 'a', 'ok', { metadata: { n: NaN } }),
        /metadata.n is NaN/,
      ],
      [
        'a Date in metadata',
        () => StatusEntry.create('exec', 'a', 'ok', { metadata: { d: new Date() } }),
        /metadata.d is an object of class Date/,
      ],
      [
        'metadata that is an array',
        () =>
          StatusEntry.create('exec', 'a', 'ok', {
            metadata: [] as unknown as Record<string, unknown>,
          }),
        /metadata must be a plain object, got an array/,
      ],
      [
        'huge metadata',
        () => StatusEntry.create('exec', 'a', 'ok', { metadata: { s: 'x'.repeat(70_000) } }),
        /metadata is larger than the limit of 65536/,
      ],
      [
        'deep metadata',
        () => StatusEntry.create('exec', 'a', 'ok', { metadata: deep(40) }),
        /nests deeper than 32 levels/,
      ],
      [
        'a NUL character',
        () => StatusEntry.create('exec', 'a\u0000b', 'ok'),
        /action contains a NUL character/,
      ],
      [
        'a lone surrogate',
        () => StatusEntry.create('exec', 'a', 'ok', { detail: 'x\ud800' }),
        /detail contains an unpaired UTF-16 surrogate/,
      ],
      [
        'a lone surrogate in a metadata key',
        () => StatusEntry.create('exec', 'a', 'ok', { metadata: { ['\udc00']: 1 } }),
        /metadata key contains an unpaired/,
      ],
      [
        'options that are not an object',
        () => StatusEntry.create('exec', 'a', 'ok', 'detail' as never),
        /options must be an object/,
      ],
      [
        'a wire object without ts',
        () => StatusEntry.fromJSON({ agent_id: 'a', action: 'b', status: 'ok' }),
        /ts must be an ISO 8601 timestamp/,
      ],
      [
        'a wire object with a bad seq',
        () =>
          StatusEntry.fromJSON({
            seq: -1,
            ts: '2026-01-01T00:00:00Z',
            agent_id: 'a',
            action: 'b',
            status: 'ok',
          }),
        /seq must be a positive integer/,
      ],
    ];
    it.each(cases)('%s', (_name, build, message) => {
      expect(build).toThrow(InvalidStatusEntryError);
      expect(build).toThrow(message);
    });
  });

  it('accepts emoji and other well-formed non-ASCII text', () => {
    const entry = StatusEntry.create('exec', 'ação', 'ok', {
      detail: 'done 🎉',
      metadata: { ключ: '値' },
    });
    expect(entry.detail).toBe('done 🎉');
  });
});

function deep(levels: number): Record<string, unknown> {
  let node: Record<string, unknown> = {};
  for (let i = 0; i < levels; i++) node = { child: node };
  return node;
}
