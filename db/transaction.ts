import { AsyncLocalStorage } from 'node:async_hooks';
import type { Kysely, Transaction } from 'kysely';
import type { Database } from './database.js';

type Outcome<T> = { ok: true; value: T } | { ok: false; error: unknown };

class Rollback {
  constructor(readonly outcome: Outcome<never>) {}
}

/** The name of the transaction whose callback is running, along its async calls. */
const openTransaction = new AsyncLocalStorage<string>();

/** Whether `inTransaction` tracks its callback for `assertOutsideTransaction` (see below). */
let guarding = true;

/**
 * Turns the check of `assertOutsideTransaction` on or off for the whole process (on unless
 * turned off). It is a check for a programming mistake, and not a free one: the first
 * `AsyncLocalStorage.run` makes Node 20 call a hook for every promise the process creates from
 * then on, in every request, whether it writes or not (`bench/micro.ts`, `updateOesConnection`:
 * 158 instead of 130 KB allocated per request, and about 13% more CPU). So the test suite and
 * development run with it, and the production server turns it off (`src/main.ts`): the mistake
 * it catches is one in the code, which the suite (on PGlite and on a server) runs into first.
 */
export function guardTransactions(on: boolean): void {
  guarding = on;
}

/**
 * Refuses to hand out a connection of the database itself while a transaction's callback
 * runs: that callback must use its `trx`. On PGlite (one connection, held by the transaction)
 * such a query would wait forever; on a server it would quietly read and write outside the
 * transaction (no lock, no rollback). Both drivers call this (`db/connect.ts`), so the mistake
 * (`ctx.db`, a loader, a lazy `ctx.principal()` inside `plan`) fails at once, naming the
 * transaction.
 */
export function assertOutsideTransaction(): void {
  const name = openTransaction.getStore();
  if (name !== undefined) {
    throw new Error(
      `the database was used directly inside the transaction of ${name}: use the transaction (trx) there, not the database, a loader or anything else that queries it`,
    );
  }
}

/**
 * Runs `fn` in one READ COMMITTED transaction named `options.name` (for the error above). It
 * commits when `fn` returns a success and rolls back when `fn` returns a failure (not only when
 * it throws), so a use case that finds a rule broken halfway through leaves no partial write
 * behind. With `rollback: true` it rolls back whatever `fn` returns (a dry run: every lock and
 * check, nothing kept).
 */
export async function inTransaction<T, R extends Outcome<T>>(
  db: Kysely<Database>,
  fn: (trx: Transaction<Database>) => Promise<R>,
  options: { name?: string; rollback?: boolean } = {},
): Promise<R> {
  try {
    return await db
      .transaction()
      .setIsolationLevel('read committed')
      .execute((trx) =>
        guarding
          ? openTransaction.run(options.name ?? 'a mutation', () => settle(fn, trx, options))
          : settle(fn, trx, options),
      );
  } catch (error) {
    if (error instanceof Rollback) return error.outcome as R;
    throw error;
  }
}

/** `fn`'s outcome, thrown as a `Rollback` when the transaction must not commit. */
async function settle<T, R extends Outcome<T>>(
  fn: (trx: Transaction<Database>) => Promise<R>,
  trx: Transaction<Database>,
  options: { rollback?: boolean },
): Promise<R> {
  const outcome = await fn(trx);
  if (!outcome.ok || options.rollback) throw new Rollback(outcome as Outcome<never>);
  return outcome;
}
