import { AsyncLocalStorage } from 'node:async_hooks';
import {
  AbortedTransactionError,
  CompiledQuery,
  isAbortedTransactionError,
  PostgresDialect,
  Transaction,
  type ConnectionProvider,
  type DatabaseConnection,
  type Driver,
  type Kysely,
  type KyselyProps,
  type TransactionSettings,
} from 'kysely';
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
 * What a transaction opened without Kysely's transaction builder is made of (see below), and
 * whether the driver is ready for statements that bypass Kysely's executor (`prepared`): Kysely
 * initialises it before its first connection.
 */
export interface DirectTransactionParts extends Omit<KyselyProps, 'executor'> {
  ready(): boolean;
}

/** The databases whose transactions `inTransaction` opens itself, with their parts. */
const direct = new WeakMap<Kysely<Database>, DirectTransactionParts>();

/**
 * Lets `inTransaction` open `db`'s transactions itself (`db/connect.ts` does it for the
 * databases it opens): `parts` are what `db` was built from, its config, its dialect and the
 * driver that dialect created. A database not registered here (another one built in a test,
 * say) takes Kysely's transaction builder, which stays the reference the direct path is tested
 * against (`test/db/transaction.test.ts`).
 */
export function openTransactionsDirectly(
  db: Kysely<Database>,
  parts: DirectTransactionParts,
): void {
  direct.set(db, parts);
}

/** Whether `inTransaction` opens `db`'s transactions itself (for the tests). */
export const opensTransactionsDirectly = (db: Kysely<Database>): boolean => direct.has(db);

/**
 * The driver of `db` when statements may go to it directly (`prepared`): a database
 * `db/connect.ts` opened (not a transaction, which has its own connection), once Kysely has
 * initialised the driver.
 */
export function directDriver(db: Kysely<Database>): Driver | undefined {
  const parts = direct.get(db);
  return parts?.ready() ? parts.driver : undefined;
}

/**
 * `consumer` on a connection of `db`: one straight from its driver when `directDriver` gives
 * it (a pooled connection, without Kysely's connection provider and runtime driver around
 * it: a few KB per statement), else the one Kysely's executor provides (a transaction's own,
 * or a pooled one through Kysely's layers).
 */
export function withConnection<T>(
  db: Kysely<Database>,
  consumer: (connection: DatabaseConnection) => Promise<T>,
): Promise<T> {
  const driver = directDriver(db);
  return driver ? onDriver(driver, consumer) : db.getExecutor().provideConnection(consumer);
}

/**
 * The rows of `compiled` on a connection of `db`, as `withConnection` would run it, without a
 * consumer closure and its async layer per statement (`prepared`).
 */
export async function rowsOnConnection<R>(
  db: Kysely<Database>,
  compiled: CompiledQuery<R>,
): Promise<R[]> {
  const driver = directDriver(db);
  try {
    if (!driver) {
      return (await db.getExecutor().provideConnection((c) => c.executeQuery<R>(compiled))).rows;
    }
    const connection = await driver.acquireConnection();
    try {
      return (await connection.executeQuery<R>(compiled)).rows;
    } finally {
      await driver.releaseConnection(connection);
    }
  } catch (error) {
    throw withCallerStack(error);
  }
}

/**
 * `error` (a statement's failure) with the code that ran the statement added to its stack.
 * pg rejects from its socket's data handler, so its error's stack shows only pg's parser; here,
 * after the `await`, V8 knows the chain of async functions awaiting this one (`at async …`),
 * and a new stack taken now shows it. It costs only on a failure (a stack per statement would
 * cost every statement, and an async wrapper a promise each).
 */
function withCallerStack(error: unknown): unknown {
  if (!(error instanceof Error) || typeof error.stack !== 'string') return error;
  const caller = new Error().stack?.split('\n').slice(2).join('\n');
  if (caller) error.stack += `\n    --- the statement was run by:\n${caller}`;
  return error;
}

async function onDriver<T>(
  driver: Driver,
  consumer: (connection: DatabaseConnection) => Promise<T>,
): Promise<T> {
  const connection = await driver.acquireConnection();
  try {
    return await consumer(connection);
  } finally {
    await driver.releaseConnection(connection);
  }
}

const READ_COMMITTED: TransactionSettings = Object.freeze({ isolationLevel: 'read committed' });

/**
 * What Kysely's `PostgresDriver` sends to begin a READ COMMITTED transaction and to commit it
 * (kysely 0.29), compiled once: its `beginTransaction` and `commitTransaction` build these
 * statements anew for every transaction (a `CompiledQuery.raw` each: three frozen objects and
 * a query id). `test/db/transaction.test.ts` compares both paths' statements and outcomes.
 */
const POSTGRES_BEGIN = CompiledQuery.raw('start transaction isolation level read committed');
const POSTGRES_COMMIT = CompiledQuery.raw('commit');

/**
 * Commits as `PostgresDriver.commitTransaction` does: PostgreSQL answers COMMIT with a
 * ROLLBACK tag when an earlier statement error left the transaction aborted.
 */
async function commitOnPostgres(connection: DatabaseConnection): Promise<void> {
  const { rows } = await connection.executeQuery<{ command?: string }>(POSTGRES_COMMIT);
  if (rows[0]?.command === 'ROLLBACK') throw new AbortedTransactionError();
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
  const parts = direct.get(db);
  if (parts) return directTransaction(db, parts, fn, options);
  try {
    return await db
      .transaction()
      .setIsolationLevel('read committed')
      .execute((trx) => settle(fn, trx, options));
  } catch (error) {
    if (error instanceof Rollback) return error.outcome as R;
    throw error;
  }
}

/** `fn` on `trx`, tracked for `assertOutsideTransaction` while the guard is on. */
const run = <R>(
  fn: (trx: Transaction<Database>) => Promise<R>,
  trx: Transaction<Database>,
  options: { name?: string },
): Promise<R> =>
  guarding ? openTransaction.run(options.name ?? 'a mutation', () => fn(trx)) : fn(trx);

/** `fn`'s outcome, thrown as a `Rollback` when the transaction must not commit. */
async function settle<T, R extends Outcome<T>>(
  fn: (trx: Transaction<Database>) => Promise<R>,
  trx: Transaction<Database>,
  options: { name?: string; rollback?: boolean },
): Promise<R> {
  const outcome = await run(fn, trx, options);
  if (!outcome.ok || options.rollback) throw new Rollback(outcome as Outcome<never>);
  return outcome;
}

/**
 * What Kysely's `TransactionBuilder.execute` does (kysely 0.29: take a connection from the
 * database's executor, begin, run the callback on a `Transaction` bound to that connection,
 * commit, or roll back when the callback throws; a commit the database turned into a rollback
 * is not rolled back again), with fewer objects per transaction and per statement: no builder,
 * no settings object, no asserting executor wrapped around one that serialises every statement
 * through promises (the connection's driver already queues statements in order), and a failure
 * outcome rolled back without throwing. Every mutation opens one, so these were about 4 KB of a
 * mutation's allocation (`bench/micro.ts --alloc`). A statement on `trx` after the transaction
 * ended fails as Kysely's does.
 */
async function directTransaction<T, R extends Outcome<T>>(
  db: Kysely<Database>,
  parts: DirectTransactionParts,
  fn: (trx: Transaction<Database>) => Promise<R>,
  options: { name?: string; rollback?: boolean },
): Promise<R> {
  const { config, dialect, driver } = parts;
  const executor = db.getExecutor();
  return withConnection(db, async (connection) => {
    const lease = new TransactionConnection(connection);
    const trx = new Transaction<Database>({
      config,
      dialect,
      driver,
      executor: executor.withConnectionProvider(lease),
    });
    const onPostgres = dialect instanceof PostgresDialect;
    if (onPostgres) await connection.executeQuery(POSTGRES_BEGIN);
    else await driver.beginTransaction(connection, READ_COMMITTED);
    let outcome: R;
    try {
      outcome = await run(fn, trx, options);
    } catch (error) {
      lease.end();
      await driver.rollbackTransaction(connection);
      throw error;
    }
    lease.end();
    if (!outcome.ok || options.rollback) {
      await driver.rollbackTransaction(connection);
      return outcome;
    }
    try {
      if (onPostgres) await commitOnPostgres(connection);
      else await driver.commitTransaction(connection);
    } catch (error) {
      if (!isAbortedTransactionError(error)) await driver.rollbackTransaction(connection);
      throw error;
    }
    return outcome;
  });
}

/** The connection of one transaction, handed out until the transaction ends. */
class TransactionConnection implements ConnectionProvider {
  #connection: DatabaseConnection | undefined;

  constructor(connection: DatabaseConnection) {
    this.#connection = connection;
  }

  provideConnection<T>(consumer: (connection: DatabaseConnection) => Promise<T>): Promise<T> {
    const connection = this.#connection;
    if (!connection) {
      return Promise.reject(new Error('Transaction is already committed or rolled back'));
    }
    return consumer(connection);
  }

  end(): void {
    this.#connection = undefined;
  }
}
