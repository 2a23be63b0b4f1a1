import type { Kysely, Transaction } from 'kysely';
import type { Database } from './database.js';

type Outcome<T> = { ok: true; value: T } | { ok: false; error: unknown };

class Rollback {
  constructor(readonly outcome: Outcome<never>) {}
}

/**
 * Runs `fn` in one READ COMMITTED transaction. It commits when `fn` returns a success and
 * rolls back when `fn` returns a failure (not only when it throws), so a use case that
 * finds a rule broken halfway through leaves no partial write behind. With `rollback: true`
 * it rolls back whatever `fn` returns (a dry run: every lock and check, nothing kept).
 */
export async function inTransaction<T, R extends Outcome<T>>(
  db: Kysely<Database>,
  fn: (trx: Transaction<Database>) => Promise<R>,
  options: { rollback?: boolean } = {},
): Promise<R> {
  try {
    return await db
      .transaction()
      .setIsolationLevel('read committed')
      .execute(async (trx) => {
        const outcome = await fn(trx);
        if (!outcome.ok || options.rollback) throw new Rollback(outcome as Outcome<never>);
        return outcome;
      });
  } catch (error) {
    if (error instanceof Rollback) return error.outcome as R;
    throw error;
  }
}
