import {
  Kysely,
  PGliteDialect,
  PostgresDialect,
  type DatabaseConnection,
  type Driver,
  type LogEvent,
  type TransactionSettings,
} from 'kysely';
import pg from 'pg';
import type { Database } from './database.js';

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
}

export interface Db {
  db: Kysely<Database>;
  kind: 'pglite' | 'postgres';
  /** Runs `select 1`; resolves false instead of throwing when the database is unreachable. */
  ping(): Promise<boolean>;
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
 * hundreds of timestamps.
 */
const typeParser = ((oid: number, format?: 'text' | 'binary') => {
  if (oid === TIMESTAMPTZ_OID && format !== 'binary') {
    return (text: string) =>
      UTC_TIMESTAMP.test(text)
        ? new Date(`${text.slice(0, 10)}T${text.slice(11, -3)}Z`)
        : parseTimestamptz(text);
  }
  return pg.types.getTypeParser(oid, format as 'text');
}) as typeof pg.types.getTypeParser;

/**
 * Opens the gateway's database: PGlite (real Postgres in WASM) when no URL is given, the `pg`
 * pool otherwise. The same Kysely code runs on both.
 *
 * On the server, timeouts and the UTC time zone are session settings given at connect time
 * (`-c statement_timeout=… -c lock_timeout=… -c TimeZone=UTC`), so no request pays an extra
 * `SET` round trip.
 */
export async function createDb(options: DbOptions): Promise<Db> {
  const log = options.onQuery
    ? (event: LogEvent) => {
        if (event.level === 'query') options.onQuery!(event.query.sql);
      }
    : undefined;

  if (options.databaseUrl) {
    const pool = new pg.Pool({
      connectionString: options.databaseUrl,
      application_name: options.applicationName ?? 'connection-gateway',
      max: options.poolSize ?? 10,
      connectionTimeoutMillis: options.connectionTimeoutMs ?? 5_000,
      idleTimeoutMillis: 30_000,
      options: `-c statement_timeout=${options.statementTimeoutMs ?? 10_000} -c lock_timeout=${options.lockTimeoutMs ?? 3_000} -c TimeZone=UTC`,
      types: { getTypeParser: typeParser },
    });
    const onError = options.onPoolError ?? (() => {});
    // A backend killed under an idle client emits 'error' on the pool; a checked-out client
    // emits it on itself. Without a listener either one would crash the process.
    pool.on('error', onError);
    pool.on('connect', (client) => client.on('error', onError));
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }), log });
    return {
      db,
      kind: 'postgres',
      ping: () => pingDb(db),
      close: () => db.destroy(),
    };
  }

  // Loaded only here: a gateway on a server never loads PGlite's code (about 2 MB).
  const { openPGlite } = await import('./pglite-open.js');
  const pglite = await openPGlite(options.dataDir);
  const db = new Kysely<Database>({ dialect: new SerialPGliteDialect({ pglite }), log });
  return { db, kind: 'pglite', ping: () => pingDb(db), close: () => db.destroy() };
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
 * Kysely's PGlite driver hands its single connection to every caller at once, so two
 * concurrent transactions would interleave on it (and a plain query would run inside
 * somebody else's transaction). This dialect gives the connection to one caller at a time,
 * exactly like a pool of size one.
 */
class SerialPGliteDialect extends PGliteDialect {
  override createDriver(): Driver {
    return new SerialDriver(super.createDriver());
  }
}

class SerialDriver implements Driver {
  #inner: Driver;
  #queue: Promise<void> = Promise.resolve();
  #release: (() => void) | undefined;

  constructor(inner: Driver) {
    this.#inner = inner;
  }

  init() {
    return this.#inner.init();
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    const previous = this.#queue;
    let release!: () => void;
    this.#queue = new Promise<void>((resolve) => (release = resolve));
    await previous;
    this.#release = release;
    return this.#inner.acquireConnection();
  }

  async releaseConnection(connection: DatabaseConnection): Promise<void> {
    await this.#inner.releaseConnection(connection);
    const release = this.#release;
    this.#release = undefined;
    release?.();
  }

  beginTransaction(connection: DatabaseConnection, settings: TransactionSettings) {
    return this.#inner.beginTransaction(connection, settings);
  }
  commitTransaction(connection: DatabaseConnection) {
    return this.#inner.commitTransaction(connection);
  }
  rollbackTransaction(connection: DatabaseConnection) {
    return this.#inner.rollbackTransaction(connection);
  }
  destroy() {
    return this.#inner.destroy();
  }
}
