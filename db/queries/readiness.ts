import { sql, type Kysely } from 'kysely';
import type { Database } from '../database.js';

/**
 * Whether the database takes a write now: rewrites the one row of `readiness_probe`
 * (`insert … on conflict (id) do update set probed_at = now()`), the cheapest statement that
 * must reach storage on commit. A database that answers reads but cannot write (an embedded
 * data directory that became unwritable, a full disk, a server in recovery) is not ready.
 * Resolves false instead of throwing.
 */
export async function databaseTakesWrites(db: Kysely<Database>): Promise<boolean> {
  try {
    await db
      .insertInto('readiness_probe')
      .values({ id: 1, probed_at: sql`now()` })
      .onConflict((oc) => oc.column('id').doUpdateSet({ probed_at: sql`now()` }))
      .execute();
    return true;
  } catch {
    return false;
  }
}
