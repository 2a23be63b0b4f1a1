import {
  Kysely,
  PGliteAdapter,
  PGliteDialect,
  PostgresDialect,
  type CompiledQuery,
  type DialectAdapter,
  type DatabaseConnection,
  type Driver,
  type PGliteDialectConfig,
  type TransactionSettings,
} from 'kysely';
import pg from 'pg';
import type { Database } from './database.js';
import { statementName } from './named-statements.js';
import { PgPoolDriver } from './pg-driver.js';
import { assertOutsideTransaction, openTransactionsDirectly } from './transaction.js';

export interface DbOptions {
  /** `postgres://…` for a server; absent for the embedded PGlite. */
  databaseUrl?: string;
  /** PGlite data directory; absent (with no `databaseUrl`) keeps the database in memory. */
  dataDir?: string;
  poolSize?: number;
  /** Bounds that end a waiting or runaway statement (server only; PGlite has one client). */
  statementTimeoutMs?: number;
  lockTimeoutMs?: number;
  connectionTimeoutMs?: number;
  /** `application_name` of the server connections (shown in `pg_stat_activity`). */
  applicationName?: string;
  /** Called for every statement Kysely runs: used to count statements in tests and the bench. */
  onQuery?: (sql: string) => void;
  /** Called when an idle pooled client or the pool reports an error (a killed backend). */
  onPoolError?: (error: Error) => void;
  /**
   * Server only: run the statements registered in db/named-statements.ts as named prepared
   * statements (default true). Off behind a pooler that gives each transaction another server
   * session (PgBouncer's transaction mode before 1.21), where a statement parsed on one session
   * is unknown on the next.
   */
  namedStatements?: boolean;
}

export interface Db {
  db: Kysely<Database>;
  kind: 'pglite' | 'postgres';
  /**
   * `LISTEN`s on `channel`: `notify` gets each payload; `connected` is called each time the
   * listening session is (re)established, after which notifications may have been missed
   * (the server's listener is a dedicated connection, re-opened after a loss).
   */
  listen(channel: string, handlers: ListenHandlers): Promise<Listener>;
  /** The server pool's connections (undefined on PGlite, which has one session). */
  poolStats(): { total: number; idle: number; waiting: number } | undefined;
  /** Runs `select 1`; resolves false instead of throwing when the database is unreachable. */
  ping(): Promise<boolean>;
  close(): Promise<void>;
}

export interface ListenHandlers {
  notify(payload: string): void;
  connected(): void;
  /** The listening connection failed (it is re-opened after `retryMs`). */
  error(error: Error): void;
}

export interface Listener {
  close(): Promise<void>;
}

const TIMESTAMPTZ_OID = 1184;
/** `2026-11-23 18:00:00.123+00`: PostgreSQL's text form of a timestamptz in a UTC session. */
const UTC_TIMESTAMP = /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?:\.\d{1,6})?\+00$/;
const parseTimestamptz = pg.types.getTypeParser(TIMESTAMPTZ_OID, 'text');

/**
 * pg's type parsers, but a timestamptz in the form the session's `TimeZone=UTC` gives is
 * handed to the engine's own ISO 8601 parser (`new Date('…T…Z')`): about 1.6 times faster
 * than the general parser, without its per-value regular-expression match arrays. The general
 * parser stays the fallback for any other form (an offset, BC, infinity). A page of rows holds
 * hundreds of timestamps. One parser function for all: pg asks for a parser per column of
 * every result.
 */
const parseUtcTimestamptz = (text: string) =>
  UTC_TIMESTAMP.test(text)
    ? new Date(`${text.slice(0, 10)}T${text.slice(11, -3)}Z`)
    : parseTimestamptz(text);
const typeParser = ((oid: number, format?: 'text' | 'binary') => {
  if (oid === TIMESTAMPTZ_OID && format !== 'binary') return parseUtcTimestamptz;
  return pg.types.getTypeParser(oid, format as 'text');
}) as typeof pg.types.getTypeParser;

/**
 * pg's client, running a text registered in db/named-statements.ts (with values, as Kysely
 * passes every statement) as a named prepared statement: pg sends `Parse` once per connection
 * and then only `Bind`/`Execute` (pg's own bookkeeping, `parsedStatements`). Any other text
 * runs as before.
 *
 * The named statement is handed to pg as a query object (pg's `Submittable`, as pg-cursor
 * does) with its name set, and its promise made here: a config object `{ name, text, values }`
 * is copied by pg through `Object.getOwnPropertyDescriptors` for every statement, and pg wraps
 * its own promise in a second one that only rewrites a failure's stack (bench/README.md, round
 * 5). With a callback (pg's callback form, which our pool driver uses) it makes no promise at
 * all. `test/db/named-statements.test.ts` finds the statements in `pg_prepared_statements`.
 */
class NamingClient extends pg.Client {
  override query(config: any, values?: any, callback?: any): any {
    if (
      typeof config === 'string' &&
      Array.isArray(values) &&
      (callback === undefined || typeof callback === 'function')
    ) {
      const name = statementName(config);
      if (name !== undefined) {
        const query = new pg.Query(config, values) as pg.Query & {
          name?: string;
          callback?: (error: Error | null, result: pg.QueryResult) => void;
        };
        query.name = name;
        if (callback) {
          query.callback = callback;
          super.query(query);
          return undefined;
        }
        return new Promise<pg.QueryResult>((resolve, reject) => {
          query.callback = (error, result) => (error ? reject(error) : resolve(result));
          super.query(query);
        });
      }
    }
    return super.query(config, values, callback);
  }
}

/**
 * Opens the gateway's database: PGlite (real Postgres in WASM) when no URL is given, the `pg`
 * pool otherwise. The same Kysely code runs on both.
 *
 * On the server, timeouts and the UTC time zone are session settings given at connect time
 * (`-c statement_timeout=… -c lock_timeout=… -c TimeZone=UTC`), so no request pays an extra
 * `SET` round trip.
 */
export async function createDb(options: DbOptions): Promise<Db> {
  const { onQuery } = options;
  if (options.databaseUrl) {
    const pool = new pg.Pool({
      connectionString: options.databaseUrl,
      application_name: options.applicationName ?? 'connection-gateway',
      max: options.poolSize ?? 10,
      connectionTimeoutMillis: options.connectionTimeoutMs ?? 5_000,
      idleTimeoutMillis: 30_000,
      options: `-c statement_timeout=${options.statementTimeoutMs ?? 10_000} -c lock_timeout=${options.lockTimeoutMs ?? 3_000} -c TimeZone=UTC`,
      types: { getTypeParser: typeParser },
      ...(options.namedStatements === false ? {} : { Client: NamingClient }),
    });
    const onError = options.onPoolError ?? (() => {});
    // A backend killed under an idle client emits 'error' on the pool; a checked-out client
    // emits it on itself. Without a listener either one would crash the process.
    pool.on('error', onError);
    pool.on('connect', (client) => client.on('error', onError));
    const db = openDb(new GuardedPostgresDialect({ pool }, onQuery));
    const url = options.databaseUrl;
    return {
      db,
      kind: 'postgres',
      listen: async (channel, handlers) =>
        listenOnServer(url, options.applicationName ?? 'connection-gateway', channel, handlers),
      poolStats: () => ({
        total: pool.totalCount,
        idle: pool.idleCount,
        waiting: pool.waitingCount,
      }),
      ping: () => pingDb(db),
      close: () => db.destroy(),
    };
  }

  // Loaded only here: a gateway on a server never loads PGlite's code (about 2 MB).
  const { openPGlite } = await import('./pglite-open.js');
  const pglite = await openPGlite(options.dataDir);
  const db = openDb(new SerialPGliteDialect({ pglite }, onQuery));
  return {
    db,
    kind: 'pglite',
    // PGlite has one session; LISTEN runs on it while no transaction holds it.
    listen: async (channel, handlers) => {
      const unlisten = await db
        .connection()
        .execute(() => pglite.listen(channel, (payload) => handlers.notify(payload)));
      handlers.connected();
      return { close: () => db.connection().execute(() => unlisten()) };
    },
    poolStats: () => undefined,
    ping: () => pingDb(db),
    close: () => db.destroy(),
  };
}

/**
 * The Kysely instance on `dialect`, whose transactions (`inTransaction`) and prepared
 * statements (`prepared`) go straight to the driver the dialect created for it
 * (`db/transaction.ts`).
 */
function openDb(dialect: GuardedPostgresDialect | SerialPGliteDialect): Kysely<Database> {
  const config = { dialect };
  const db = new Kysely<Database>(config);
  const driver = dialect.driver();
  openTransactionsDirectly(db, { config, dialect, driver, ready: () => driver.ready });
  return db;
}

/** How long the server listener waits before re-opening a lost connection. */
const LISTEN_RETRY_MS = 1_000;

/**
 * A dedicated `pg.Client` (not a pooled one: a pooled client would drop its LISTEN when it
 * is handed to a request) that listens on `channel` and re-connects after any loss (a
 * terminated backend, a restart), calling `connected` each time it listens again.
 */
function listenOnServer(
  url: string,
  applicationName: string,
  channel: string,
  handlers: ListenHandlers,
): Listener {
  let closed = false;
  let client: pg.Client | undefined;
  let retry: NodeJS.Timeout | undefined;
  const open = () => {
    const attempt = new pg.Client({
      connectionString: url,
      application_name: `${applicationName}:listen`,
    });
    let lost = false;
    const onLost = (error?: Error) => {
      if (lost) return;
      lost = true;
      if (error) handlers.error(error);
      attempt.removeAllListeners('notification');
      void attempt.end().catch(() => {});
      if (client === attempt) client = undefined;
      if (!closed) retry = setTimeout(open, LISTEN_RETRY_MS);
    };
    attempt.on('notification', (message) => handlers.notify(message.payload ?? ''));
    attempt.on('error', (error) => onLost(error));
    attempt.on('end', () => onLost());
    attempt
      .connect()
      .then(() => attempt.query(`listen ${pg.escapeIdentifier(channel)}`))
      .then(() => {
        if (closed || lost) return void attempt.end().catch(() => {});
        client = attempt;
        handlers.connected();
      })
      .catch((error: Error) => onLost(error));
  };
  open();
  return {
    close: async () => {
      closed = true;
      clearTimeout(retry);
      await client?.end().catch(() => {});
    },
  };
}

async function pingDb(db: Kysely<Database>): Promise<boolean> {
  try {
    await db.selectNoFrom((eb) => eb.lit(1).as('one')).execute();
    return true;
  } catch {
    return false;
  }
}

/**
 * The pg dialect, with connections refused inside a transaction's callback, on our own pool
 * driver (`db/pg-driver.ts`: Kysely's `PostgresDriver` with fewer promises per statement).
 */
class GuardedPostgresDialect extends PostgresDialect {
  #driver: GuardedDriver | undefined;
  readonly #pool: pg.Pool;
  readonly #onQuery: ((sql: string) => void) | undefined;
  constructor(config: { pool: pg.Pool }, onQuery?: (sql: string) => void) {
    super(config);
    this.#pool = config.pool;
    this.#onQuery = onQuery;
  }
  override createDriver(): Driver {
    return (this.#driver = new GuardedDriver(new PgPoolDriver(this.#pool), this.#onQuery));
  }
  /** The driver Kysely asked this dialect for (one per `Kysely` instance built on it). */
  driver(): GuardedDriver {
    if (!this.#driver) throw new Error('no Kysely instance was built on this dialect yet');
    return this.#driver;
  }
}

/**
 * Kysely's PGlite driver hands its single connection to every caller at once, so two
 * concurrent transactions would interleave on it (and a plain query would run inside
 * somebody else's transaction). This dialect gives the connection to one caller at a time,
 * exactly like a pool of size one.
 */
class SerialPGliteDialect extends PGliteDialect {
  #driver: SerialDriver | undefined;
  readonly #onQuery: ((sql: string) => void) | undefined;
  constructor(config: PGliteDialectConfig, onQuery?: (sql: string) => void) {
    super(config);
    this.#onQuery = onQuery;
  }
  override createDriver(): Driver {
    return (this.#driver = new SerialDriver(super.createDriver(), this.#onQuery));
  }
  /** The driver Kysely asked this dialect for (one per `Kysely` instance built on it). */
  driver(): SerialDriver {
    if (!this.#driver) throw new Error('no Kysely instance was built on this dialect yet');
    return this.#driver;
  }
  /**
   * Kysely queues callers of a single-connection dialect itself, before the driver sees them,
   * so a query inside a transaction's callback would wait in that queue forever instead of
   * reaching `assertOutsideTransaction`. The queue is `SerialDriver`'s instead (the same
   * one-at-a-time rule, checked first); `test/db/transaction.test.ts` notices if Kysely's
   * queue ever comes back in front of it.
   */
  override createAdapter(): DialectAdapter {
    return new SerialPGliteAdapter();
  }
}

class SerialPGliteAdapter extends PGliteAdapter {
  override get supportsMultipleConnections(): boolean {
    return true;
  }
}

/**
 * A driver that refuses to hand out a connection while a transaction's callback runs
 * (`assertOutsideTransaction`), reports every statement that succeeded to `onQuery` (the
 * tests and the bench count them), and otherwise passes everything to the driver it wraps.
 * The statements are counted here rather than by Kysely's `log`, which sees only what runs
 * through Kysely's executor: `prepared` and `inTransaction` talk to this driver directly.
 */
class GuardedDriver implements Driver {
  protected readonly inner: Driver;
  readonly #onQuery: ((sql: string) => void) | undefined;
  readonly #counted = new WeakSet<DatabaseConnection>();
  #ready = false;

  constructor(inner: Driver, onQuery?: (sql: string) => void) {
    this.inner = inner;
    this.#onQuery = onQuery;
  }

  /** Whether `init` has completed (Kysely calls it before the first connection). */
  get ready(): boolean {
    return this.#ready;
  }

  async init() {
    await this.inner.init();
    this.#ready = true;
  }
  acquireConnection(): Promise<DatabaseConnection> {
    assertOutsideTransaction();
    const acquired = this.inner.acquireConnection();
    return this.#onQuery ? acquired.then((connection) => this.counted(connection)) : acquired;
  }
  /** `connection`, reporting its statements to `onQuery` (wrapped once per connection). */
  protected counted(connection: DatabaseConnection): DatabaseConnection {
    const onQuery = this.#onQuery;
    if (!onQuery || this.#counted.has(connection)) return connection;
    this.#counted.add(connection);
    const execute = connection.executeQuery.bind(connection);
    connection.executeQuery = async <R>(compiled: CompiledQuery) => {
      const result = await execute<R>(compiled);
      onQuery(compiled.sql);
      return result;
    };
    return connection;
  }
  releaseConnection(connection: DatabaseConnection): Promise<void> {
    return this.inner.releaseConnection(connection);
  }
  beginTransaction(connection: DatabaseConnection, settings: TransactionSettings) {
    return this.inner.beginTransaction(connection, settings);
  }
  commitTransaction(connection: DatabaseConnection) {
    return this.inner.commitTransaction(connection);
  }
  rollbackTransaction(connection: DatabaseConnection) {
    return this.inner.rollbackTransaction(connection);
  }
  destroy() {
    // From here on statements go through Kysely, which refuses them on a destroyed database.
    this.#ready = false;
    return this.inner.destroy();
  }
}

/** One caller at a time on PGlite's single connection, like a pool of size one. */
class SerialDriver extends GuardedDriver {
  #queue: Promise<void> = Promise.resolve();
  #release: (() => void) | undefined;

  override async acquireConnection(): Promise<DatabaseConnection> {
    // Before queueing: inside a transaction's callback the queue would never move.
    assertOutsideTransaction();
    const previous = this.#queue;
    let release!: () => void;
    this.#queue = new Promise<void>((resolve) => (release = resolve));
    await previous;
    this.#release = release;
    return this.counted(await this.inner.acquireConnection());
  }

  override async releaseConnection(connection: DatabaseConnection): Promise<void> {
    await this.inner.releaseConnection(connection);
    const release = this.#release;
    this.#release = undefined;
    release?.();
  }
}
