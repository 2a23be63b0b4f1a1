import { describe, expect, it } from 'vitest';
import { GraphQLDateTime } from '../../resolvers/shared/date-time.js';
import { isoString } from '../../src/shared/iso-string.js';

describe('DateTime', () => {
  it('leaves as the ISO 8601 string of the Date, in UTC with milliseconds', () => {
    expect(GraphQLDateTime.serialize(new Date(Date.UTC(2026, 10, 23, 18, 0, 0, 5)))).toBe(
      '2026-11-23T18:00:00.005Z',
    );
  });

  it('normalises an ISO string with an offset the way the library parses it', () => {
    expect(GraphQLDateTime.serialize('2026-11-23T19:00:00.123+01:00')).toBe(
      '2026-11-23T18:00:00.123Z',
    );
  });

  it('refuses an invalid Date or a value that is no timestamp, with the library’s error', () => {
    expect(() => GraphQLDateTime.serialize(new Date(Number.NaN))).toThrow(/DateTime/);
    expect(() => GraphQLDateTime.serialize('yesterday')).toThrow(/DateTime/);
    expect(() => GraphQLDateTime.serialize({})).toThrow(/DateTime/);
  });

  it('writes exactly what Date#toISOString writes, for any instant', () => {
    const at = (iso: string) => Date.parse(iso);
    const edges = [
      0,
      -1,
      1,
      at('0000-01-01T00:00:00.000Z'),
      at('0000-01-01T00:00:00.000Z') - 1,
      at('0000-02-29T23:59:59.999Z'),
      at('0001-01-01T00:00:00.000Z'),
      at('0999-12-31T23:59:59.999Z'),
      at('1600-02-29T12:00:00.000Z'),
      at('1900-03-01T00:00:00.000Z'),
      at('1969-12-31T23:59:59.999Z'),
      at('2000-02-29T00:00:00.000Z'),
      at('2100-02-28T23:59:59.999Z'),
      at('2100-03-01T00:00:00.000Z'),
      at('2026-11-23T18:00:00.005Z'),
      at('9999-12-31T23:59:59.999Z'),
      at('9999-12-31T23:59:59.999Z') + 1,
      8.64e15,
      -8.64e15,
    ];
    for (const ms of edges)
      expect(isoString(new Date(ms)), String(ms)).toBe(new Date(ms).toISOString());
    // Random instants over ±10,000 years, and every millisecond of a leap day's edges.
    let seed = 42;
    const random = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
    for (let i = 0; i < 200_000; i++) {
      const ms = Math.floor((random() * 2 - 1) * 3.2e14);
      const expected = new Date(ms).toISOString();
      if (isoString(new Date(ms)) !== expected) expect(isoString(new Date(ms))).toBe(expected);
    }
    for (let ms = at('2024-02-29T23:59:58.000Z'); ms < at('2024-03-01T00:00:02.000Z'); ms++)
      if (isoString(new Date(ms)) !== new Date(ms).toISOString())
        expect(isoString(new Date(ms))).toBe(new Date(ms).toISOString());
    expect(() => isoString(new Date(Number.NaN))).toThrow(RangeError);
  });
});
