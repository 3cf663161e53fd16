import { uuidV7 } from './uuid-v7';

describe('uuidV7', () => {
  it('makes RFC 9562 version 7 UUIDs that sort by creation time', () => {
    const ids = [uuidV7(1_700_000_000_000), uuidV7(1_700_000_000_001), uuidV7(1_800_000_000_000)];
    for (const id of ids)
      expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect([...ids].sort()).toEqual(ids);
    expect(ids[0]!.slice(0, 13).replace('-', '')).toBe(
      (1_700_000_000_000).toString(16).padStart(12, '0'),
    );
  });

  it('does not repeat', () => {
    const ids = new Set(Array.from({ length: 100_000 }, () => uuidV7()));
    expect(ids.size).toBe(100_000);
  });
});

describe('uuidV7 order', () => {
  it('increases strictly within a millisecond, past the 4,096 its counter holds', () => {
    const ms = 1_900_000_000_000;
    const ids = Array.from({ length: 10_000 }, () => uuidV7(ms));
    for (let i = 1; i < ids.length; i++) expect(ids[i]! > ids[i - 1]!).toBe(true);
  });

  it('makes a well-formed id from a time with a fraction of a millisecond', () => {
    expect(uuidV7(2_100_000_000_000.75)).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
  });

  it('keeps increasing when the clock goes back', () => {
    const later = uuidV7(2_000_000_000_000);
    expect(uuidV7(1_999_999_999_000) > later).toBe(true);
  });
});
