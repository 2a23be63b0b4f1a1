import { describe, expect, it } from 'vitest';
import { GraphQLDateTime } from '../../resolvers/shared/date-time.js';

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
});
