import { StatusEntry } from '../../entry/status-entry';
import { COPY_ENTRIES, copyRows, EntryRow, toEntry } from './postgres-entry-row';

describe('PostgreSQL entry rows', () => {
  it('writes COPY text: a row per entry, tab-separated, in the columns of COPY_ENTRIES', () => {
    const plain = StatusEntry.create('voice', 'greet', 'info', {
      detail: 'hello',
      metadata: { n: 1 },
      roomId: 'room-1',
    });
    const other = StatusEntry.create('exec', 'click', 'ok');
    expect(COPY_ENTRIES).toBe(
      'COPY status_bus_entries (entry_id, ts, agent_id, action, status, detail, metadata, room_id) FROM STDIN',
    );
    expect(copyRows([plain, other]).toString('utf8')).toBe(
      `${plain.id}\t${plain.ts}\tvoice\tgreet\tinfo\thello\t{"n":1}\troom-1\n` +
        `${other.id}\t${other.ts}\texec\tclick\tok\t\t{}\tdefault\n`,
    );
  });

  it('escapes what COPY reads as its own: backslash, tab, line feed and carriage return, in every text field', () => {
    const hostile = 'a\\b\tc\nd\re';
    const escaped = 'a\\\\b\\tc\\nd\\re';
    const entry = StatusEntry.create(hostile, hostile, 'failed', {
      detail: hostile,
      metadata: { [hostile]: hostile },
      roomId: hostile,
    });
    // JSON has already escaped the metadata's controls and backslashes once; COPY escapes the
    // backslashes JSON wrote.
    const json = JSON.stringify(entry.metadata).replace(/\\/g, '\\\\');
    expect(copyRows([entry]).toString('utf8')).toBe(
      [entry.id, entry.ts, escaped, escaped, 'failed', escaped, json, escaped].join('\t') + '\n',
    );
  });

  it('escapes a field holding only one of those characters', () => {
    for (const [raw, escaped] of [
      ['\\', '\\\\'],
      ['\t', '\\t'],
      ['\n', '\\n'],
      ['\r', '\\r'],
    ]) {
      const entry = StatusEntry.create('exec', 'step', 'ok', { detail: `x${raw}y` });
      expect(copyRows([entry]).toString('utf8').split('\t')[5]).toBe(`x${escaped}y`);
    }
  });

  it('encodes text beyond ASCII as UTF-8', () => {
    const entry = StatusEntry.create('voice', 'sprach: „grüß dich“ 🙂', 'ok');
    const bytes = copyRows([entry]);
    expect(bytes.toString('utf8')).toContain('sprach: „grüß dich“ 🙂');
    expect(bytes.length).toBeGreaterThan(bytes.toString('utf8').length);
  });

  it('reads a row back as the entry it holds, its position a number and its metadata frozen', () => {
    const row: EntryRow = {
      seq: '9007199254740991',
      entry_id: '0193a0e4-7c1e-7000-8000-000000000001',
      ts: '2026-12-06T01:02:03.456789+00:00',
      agent_id: 'exec',
      action: 'click',
      status: 'completed',
      detail: 'done',
      metadata: { nested: { list: [1, 2] } },
      room_id: 'room-1',
    };
    const entry = toEntry(row);
    expect(entry).toBeInstanceOf(StatusEntry);
    expect(entry.id).toBe(row.entry_id);
    // The wire form names the columns as the row does, the position as a number.
    expect(entry.toJSON()).toEqual({ ...row, entry_id: undefined, seq: 9007199254740991 });
    expect(Object.isFrozen(entry.metadata)).toBe(true);
    expect(Object.isFrozen(entry.metadata.nested)).toBe(true);
  });
});
