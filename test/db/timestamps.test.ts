import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { getHarness } from '../helpers/harness.js';
import { onServer } from '../helpers/server.js';

describe('timestamptz values', () => {
  it('come back as the exact instant, in every text form the server may send', async () => {
    const { database } = await getHarness();
    const cases: [string, number][] = [
      ['2026-11-23 18:00:00+00', Date.UTC(2026, 10, 23, 18)],
      ['2026-11-23 18:00:00.1+00', Date.UTC(2026, 10, 23, 18, 0, 0, 100)],
      ['2026-11-23 18:00:00.123+00', Date.UTC(2026, 10, 23, 18, 0, 0, 123)],
      // Microseconds: JavaScript keeps milliseconds.
      ['2026-11-23 18:00:00.123789+00', Date.UTC(2026, 10, 23, 18, 0, 0, 123)],
      ['2026-11-23 23:30:00+05:30', Date.UTC(2026, 10, 23, 18)],
      ['1999-12-31 23:59:59.999-08', Date.UTC(2000, 0, 1, 7, 59, 59, 999)],
    ];
    for (const [text, expected] of cases) {
      const { rows } = await sql<{ at: Date }>`select ${text}::timestamptz as at`.execute(
        database.db,
      );
      expect(rows[0].at, text).toBeInstanceOf(Date);
      expect(rows[0].at.getTime(), text).toBe(expected);
    }
  });

  // The fast path and its fallback are the pg pool's (PGlite parses timestamps itself).
  it.skipIf(!onServer)(
    'keep the general parser for forms outside the fast path (BC, infinity)',
    async () => {
      const { database } = await getHarness();
      const { rows } = await sql<{ bc: Date; inf: unknown }>`
      select '0044-03-15 12:00:00+00 BC'::timestamptz as bc, 'infinity'::timestamptz as inf
    `.execute(database.db);
      expect(rows[0].bc.getUTCFullYear()).toBe(-43);
      expect(rows[0].inf).toBe(Infinity);
    },
  );
});
