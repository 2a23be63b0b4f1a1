import {
  AbortedTransactionError,
  CompiledQuery,
  type DatabaseConnection,
  type Driver,
  type QueryResult,
  type TransactionSettings,
} from 'kysely';
import type pg from 'pg';

/**
 * Kysely's `Driver` for a `pg.Pool`: what `PostgresDriver` (kysely 0.29) does for the gateway,
 * with fewer promises per statement. Kysely's connection runs each statement in an `async`
 * function (a promise and its ticks on top of pg's) and hands out a connection through another;
 * a mutation runs seven statements on three connections, so those layers were a measurable part
 * of its CPU (bench/README.md, round 5). Here a connection comes from the pool's callback in one
 * promise and a statement's result from pg's callback in one promise.
 *
 * The same statements, results and errors as `PostgresDriver` (`test/db/pg-driver.test.ts`
 * runs both on the same statements and pins the kysely source this repeats): begin / commit /
 * rollback texts, `numAffectedRows` of an INSERT / UPDATE / DELETE / MERGE, a COMMIT answered
 * with ROLLBACK thrown as `AbortedTransactionError`, a connection whose rollback failed
 * discarded (released to the pool as broken, refused afterwards). One difference, stricter: a
 * connection whose statement failed because the session is gone is discarded too
 * (`connectionLost`), where Kysely's would hand it back to the pool. Left out, as the gateway uses
 * none of them: streaming (`.stream()` fails as it does on a `PostgresDialect` without a
 * `cursor`), aborting a running statement (`cancelQuery` / `killSession`, for an `AbortSignal`
 * passed to `execute`), savepoints, and the dialect's `onCreateConnection` /
 * `onReserveConnection` hooks.
 */
export class PgPoolDriver implements Driver {
  #pool: pg.Pool | undefined;
  readonly #connections = new WeakMap<pg.PoolClient, PgConnection>();

  constructor(pool: pg.Pool) {
    this.#pool = pool;
  }

  async init(): Promise<void> {}

  acquireConnection(): Promise<DatabaseConnection> {
    return new Promise((resolve, reject) => {
      const pool = this.#pool;
      if (!pool) return reject(new Error('driver has already been destroyed'));
      pool.connect((error, client, release) => {
        if (error || !client) return reject(error);
        // `destroy` was called while the connection was being acquired.
        if (!this.#pool) {
          release();
          return reject(new Error('driver has already been destroyed'));
        }
        let connection = this.#connections.get(client);
        if (!connection) this.#connections.set(client, (connection = new PgConnection(client)));
        resolve(connection);
      });
    });
  }

  async beginTransaction(
    connection: DatabaseConnection,
    settings: TransactionSettings,
  ): Promise<void> {
    let text = 'begin';
    if (settings.isolationLevel || settings.accessMode) {
      text = 'start transaction';
      if (settings.isolationLevel) text += ` isolation level ${settings.isolationLevel}`;
      if (settings.accessMode) text += ` ${settings.accessMode}`;
    }
    await connection.executeQuery(CompiledQuery.raw(text));
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    const { rows } = await connection.executeQuery<{ command?: string }>(COMMIT);
    // PostgreSQL completes COMMIT with a ROLLBACK tag if an earlier statement error left the
    // transaction aborted.
    if (rows[0]?.command === 'ROLLBACK') throw new AbortedTransactionError();
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    // Its session is gone (`connectionLost`): the server ended the transaction with it, and the
    // error that said so is the one the caller should see, not a refused ROLLBACK.
    if ((connection as PgConnection).discarded) return;
    try {
      await connection.executeQuery(ROLLBACK);
    } catch (error) {
      (connection as PgConnection).discard();
      throw error;
    }
  }

  releaseConnection(connection: DatabaseConnection): Promise<void> {
    (connection as PgConnection).release();
    return DONE;
  }

  async destroy(): Promise<void> {
    const pool = this.#pool;
    if (!pool) return;
    this.#pool = undefined;
    await pool.end();
  }
}

const DONE = Promise.resolve();
const COMMIT = CompiledQuery.raw('commit');
const ROLLBACK = CompiledQuery.raw('rollback');

/** The commands whose row count Kysely reports as `numAffectedRows`. */
const AFFECTING = new Set(['INSERT', 'UPDATE', 'DELETE', 'MERGE']);

/** pg's result as Kysely's `PostgresConnection` reports it. */
function toQueryResult<R>(result: pg.QueryResult): QueryResult<R> {
  const { command, rowCount, rows } = result;
  if (command === 'ROLLBACK' || command === 'COMMIT') return { rows: [{ command } as R] };
  return {
    numAffectedRows: AFFECTING.has(command) ? BigInt(rowCount ?? 0) : undefined,
    rows: (rows ?? []) as R[],
  };
}

/**
 * Whether a statement's error means its connection is gone or unusable: the server ended the
 * session (a FATAL or PANIC message: `pg_terminate_backend`, a shutdown, a failover; SQLSTATE
 * class 57P), a connection exception (class 08), or an error without a SQLSTATE (the socket
 * closed or failed, or pg refused before sending: a healthy connection discarded then costs one
 * reconnect). pg rejects the statement on the FATAL message, before the socket's end marks the
 * client unusable; released at once, it would go back to the pool and fail whichever request
 * took it next. A statement's own error (a constraint, a timeout: 57014) keeps its connection.
 */
function connectionLost(error: unknown): boolean {
  const { code, severity } = error as { code?: unknown; severity?: unknown };
  if (severity === 'FATAL' || severity === 'PANIC') return true;
  if (typeof code !== 'string') return true;
  return code.startsWith('57P') || code.startsWith('08');
}

class PgConnection implements DatabaseConnection {
  readonly #client: pg.PoolClient;
  #discarded = false;

  constructor(client: pg.PoolClient) {
    this.#client = client;
  }

  executeQuery<R>(compiled: CompiledQuery): Promise<QueryResult<R>> {
    if (this.#discarded) return Promise.reject(new Error('Postgres connection has been discarded'));
    // pg's callback form: one promise per statement, ours (pg's promise form makes one, and a
    // second that rewrites a failure's stack, and a `then` here made a third).
    return new Promise((resolve, reject) => {
      this.#client.query(
        compiled.sql,
        compiled.parameters as unknown[],
        (error: Error | null, result: pg.QueryResult) => {
          if (error) {
            if (connectionLost(error)) this.#discarded = true;
            reject(error);
          } else resolve(toQueryResult<R>(result));
        },
      );
    });
  }

  // eslint-disable-next-line require-yield
  async *streamQuery<R>(): AsyncIterableIterator<QueryResult<R>> {
    throw new Error(
      "`cursor` is not present in your postgres dialect config. It's required to make streaming work in postgres.",
    );
  }

  /** Back to the pool; a discarded connection is destroyed there instead. */
  release(): void {
    this.#client.release(this.#discarded);
  }

  /** Whether it is marked for destruction (its session is gone, or its rollback failed). */
  get discarded(): boolean {
    return this.#discarded;
  }

  /** Its rollback failed: its state is unknown, so the pool must not hand it out again. */
  discard(): void {
    this.#discarded = true;
  }
}
