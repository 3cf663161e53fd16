import fc from 'fast-check';
import { DEFAULT_ENTRY_LIMITS } from './status-entry-limits';
import { validateMetadata } from './status-entry.validation';

const withLimit = (maxMetadataLength: number) => ({ ...DEFAULT_ENTRY_LIMITS, maxMetadataLength });

describe('validateMetadata', () => {
  it('measures metadata as the exact length of its JSON text', () => {
    const metadata = fc.dictionary(
      fc
        .string({ unit: 'binary', maxLength: 6 })
        .filter((k) => k.isWellFormed() && !k.includes('\0')),
      fc.jsonValue({ maxDepth: 3 }),
      { maxKeys: 5 },
    );
    fc.assert(
      fc.property(metadata, (value) => {
        const json = JSON.stringify(value);
        fc.pre(json.isWellFormed() && !json.includes('\\u0000'));
        expect(() => validateMetadata(value, withLimit(json.length))).not.toThrow();
        expect(() => validateMetadata(value, withLimit(json.length - 1))).toThrow(
          /metadata is larger than the limit/,
        );
      }),
      { numRuns: 500 },
    );
  });

  it('counts the escapes of control characters, not the characters alone', () => {
    // 30,000 characters whose JSON is 180,000 long.
    expect(() => validateMetadata({ s: '\u0001'.repeat(30_000) }, DEFAULT_ENTRY_LIMITS)).toThrow(
      /metadata is larger than the limit of 65536 characters of JSON/,
    );
  });

  it('refuses nesting 3,000 levels deep with a message, not a stack overflow', () => {
    let deep: Record<string, unknown> = {};
    for (let i = 0; i < 3000; i++) deep = { a: deep };
    expect(() => validateMetadata(deep, DEFAULT_ENTRY_LIMITS)).toThrow(
      /nests deeper than 32 levels/,
    );
  });
});
