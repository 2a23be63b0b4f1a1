/**
 * SQL of the Databases service.
 *
 * # Locking protocol between connection patches and database jobs
 *
 * A patch must never change a connection under a job that uses it, and the check
 * "no QUEUED or RUNNING job" must hold against a job that starts at the same moment.
 * Two rules, both on the connection's row in `database_connections`:
 *
 * 1. **A patch** (`patchDatabaseConnection`) locks the row `FOR UPDATE`
 *    ({@link lockDatabaseConnection}), and only then reads the connection's active jobs
 *    ({@link activeJobIdsOfConnection}) and writes.
 * 2. **Every job writer**, i.e. every transaction that inserts a job or moves one into
 *    `QUEUED` or `RUNNING`, first locks the row `FOR SHARE`
 *    ({@link lockConnectionForJob}); {@link enqueueJob} and {@link startJob} do both steps and
 *    are the only sanctioned ways to do it. Moving a job *out* of QUEUED/RUNNING (SUCCEEDED,
 *    FAILED, CANCELLED) needs no lock: it can only make a patch possible, never unsafe.
 *
 * `FOR SHARE` and `FOR UPDATE` conflict, so the two transactions serialize on the row:
 * - the job transaction locked first: the patch's `FOR UPDATE` waits until the job commits;
 *   under READ COMMITTED the patch's next statement (the job check) takes a new snapshot,
 *   sees the committed job, and the patch answers `ConflictError ACTIVE_JOBS`;
 * - the patch locked first: the job's `FOR SHARE` waits until the patch commits, and the job
 *   then runs against the connection as patched.
 *
 * Job writers may share the row with each other (`FOR SHARE` does not conflict with itself),
 * so starting jobs never serializes jobs among themselves. Both locks are bounded by the
 * session's `lock_timeout`. (The foreign key `database_jobs → database_connections` makes a
 * job INSERT take `FOR KEY SHARE` on the row anyway, which also conflicts with `FOR UPDATE`;
 * a status UPDATE takes no such lock, which is why the explicit `FOR SHARE` is the rule.)
 */
import { sql, type Kysely, type Transaction, type Updateable } from 'kysely';
import type { Database } from '../database.js';
import {
  DATABASE_CONNECTION_COLUMNS,
  type DatabaseConnectionRow,
  type DatabaseConnectionsTable,
  type DatabaseJobRow,
} from '../tables/databases.js';
import { prepared, StatementShape } from '../prepared.js';
import { keysetPage, type PageRequest } from './pagination.js';
import {
  pageKeys,
  pageReader,
  partsShape,
  type Keys,
  type PageStatement,
  type PageWithParts,
} from './page-parts.js';
import { inTenant } from './tenant-keys.js';

/** Job statuses in which a job uses its connection: a patch is refused while one exists. */
export const ACTIVE_JOB_STATUSES = ['QUEUED', 'RUNNING'] as const;

/**
 * The active statuses as SQL literals, not parameters: the planner can then match the
 * predicate of the partial index `database_jobs_active_idx` in every plan, generic ones too.
 */
const activeStatuses = () => ACTIVE_JOB_STATUSES.map((status) => sql.lit(status));

export type DatabaseConnectionUpdate = Updateable<DatabaseConnectionsTable>;

/**
 * Locks and reads one connection by id within the caller's tenants, for a patch (rule 1 of
 * the locking protocol above):
 * `select <every column> from database_connections where id = $1 and tenant_id = any($2) for update`.
 */
export async function lockDatabaseConnection(
  trx: Transaction<Database>,
  tenantIds: string[],
  id: string,
): Promise<DatabaseConnectionRow | undefined> {
  if (tenantIds.length === 0) return undefined;
  const [row] = await lockConnection(trx, id, tenantIds);
  return row;
}

// The statements of a patch are named (parsed and planned once per server connection): a
// patch's CPU in the gateway fell by about a sixth with them (bench/README.md, round 6).
const lockConnection = prepared(
  (db, id: string, tenantIds: readonly string[]) =>
    db
      .selectFrom('database_connections')
      .select(DATABASE_CONNECTION_COLUMNS)
      .where('id', '=', id)
      .where((eb) => eb('tenant_id', '=', eb.fn.any(eb.val(tenantIds))))
      .forUpdate(),
  { named: true },
);

/**
 * The ids of the connection's QUEUED or RUNNING jobs, in id order. Run after
 * {@link lockDatabaseConnection}, so a job that committed while the patch waited for the lock
 * is seen (READ COMMITTED takes a new snapshot per statement). Uses the partial index
 * `database_jobs_active_idx`.
 */
export async function activeJobIdsOfConnection(
  trx: Transaction<Database>,
  tenantId: string,
  connectionId: string,
): Promise<string[]> {
  const rows = await activeJobsOfConnection(trx, tenantId, connectionId);
  return rows.map((r) => r.id);
}

const activeJobsOfConnection = prepared(
  (db, tenantId: string, connectionId: string) =>
    db
      .selectFrom('database_jobs')
      .select('id')
      .where('tenant_id', '=', tenantId)
      .where('connection_id', '=', connectionId)
      .where('status', 'in', activeStatuses())
      .orderBy('id'),
  { named: true },
);

/**
 * Serializes every transaction that gives a connection of `tenantId` the name `name`
 * (case-insensitively) until it commits or rolls back:
 * `select pg_advisory_xact_lock(hashtextextended('database_connections.name:' || $tenant || ':' || lower($name), 0))`.
 * After it, {@link connectionNamedLike} sees any rename to the same name that committed
 * first, so two concurrent renames cannot both pass the uniqueness check. Any future writer
 * that sets a connection's name (a create, an import) should take the same lock; one that
 * does not is still stopped by the unique index, which the service maps to NAME_TAKEN too.
 */
export async function lockConnectionName(
  trx: Transaction<Database>,
  tenantId: string,
  name: string,
): Promise<void> {
  await nameLock(trx, `database_connections.name:${tenantId}:`, name);
}

const nameLock = prepared(
  (_db, key: string, name: string) =>
    sql`select pg_advisory_xact_lock(hashtextextended(${key} || lower(${name}), 0))`,
  { named: true },
);

/**
 * The id of another connection of the tenant whose name equals `name` case-insensitively
 * (the rule of the unique index `database_connections_name_uq` on `(tenant_id, lower(name))`).
 */
export async function connectionNamedLike(
  trx: Transaction<Database>,
  tenantId: string,
  name: string,
  exceptId: string,
): Promise<string | undefined> {
  const [row] = await otherConnectionNamed(trx, tenantId, name, exceptId);
  return row?.id;
}

const otherConnectionNamed = prepared(
  (db, tenantId: string, name: string, exceptId: string) =>
    db
      .selectFrom('database_connections')
      .select('id')
      .where('tenant_id', '=', tenantId)
      .where((eb) => eb(eb.fn('lower', ['name']), '=', eb.fn('lower', [eb.val(name)])))
      .where('id', '!=', exceptId),
  { named: true },
);

/** True when `error` is the violation of the case-insensitive unique name index. */
export function isConnectionNameTaken(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { code, constraint } = error as { code?: unknown; constraint?: unknown };
  return code === '23505' && constraint === 'database_connections_name_uq';
}

/** Writes the changed columns and the new version; returns the row as stored. */
export async function updateDatabaseConnection(
  trx: Transaction<Database>,
  tenantId: string,
  id: string,
  changes: DatabaseConnectionUpdate,
): Promise<DatabaseConnectionRow> {
  const [row] = await updateConnection(trx, changes, new Date(), tenantId, id);
  if (!row) throw new Error(`database_connections ${tenantId}/${id} vanished under its lock`);
  return row;
}

const updateConnection = prepared(
  (db, changes: DatabaseConnectionUpdate, updatedAt: Date, tenantId: string, id: string) =>
    db
      .updateTable('database_connections')
      .set({ ...changes, updated_at: updatedAt })
      .where('tenant_id', '=', tenantId)
      .where('id', '=', id)
      .returning(DATABASE_CONNECTION_COLUMNS),
  // One name per set of changed columns (bounded by the patchable columns; see `prepared`).
  { named: true },
);

/** Every column of a connection but the sealed password and SSL client key. */
export type ReadableColumn = Exclude<
  keyof DatabaseConnectionsTable,
  'password_enc' | 'ssl_client_key_enc'
>;

/**
 * A connection as the read side sees it: the readable columns, and of the sealed password
 * and SSL client key only whether they are set (`has_password`, `has_client_key`).
 */
export type DatabaseConnectionReadRow = Pick<DatabaseConnectionRow, ReadableColumn> & {
  has_password: boolean;
  has_client_key: boolean;
};

/**
 * `select <columns>, password_enc is not null as has_password, ssl_client_key_enc is not null
 * as has_client_key from database_connections`. The service names the columns (every
 * readable one, `READ_COLUMNS`); a sealed column cannot be named.
 */
function selectDatabaseConnections(db: Kysely<Database>, columns: readonly ReadableColumn[]) {
  return db
    .selectFrom('database_connections')
    .select(columns)
    .select(sql<boolean>`password_enc is not null`.as('has_password'))
    .select(sql<boolean>`ssl_client_key_enc is not null`.as('has_client_key'));
}

/** One connection by id within the given tenants (the caller's readable ones). */
export async function getDatabaseConnection(
  db: Kysely<Database>,
  columns: readonly ReadableColumn[],
  tenantIds: string[],
  id: string,
): Promise<DatabaseConnectionReadRow | undefined> {
  if (tenantIds.length === 0) return undefined;
  return selectDatabaseConnections(db, columns)
    .where('id', '=', id)
    .where('tenant_id', 'in', tenantIds)
    .executeTakeFirst();
}

/** One keyset page of a tenant's connections, in creation order. */
export async function listDatabaseConnections(
  db: Kysely<Database>,
  columns: readonly ReadableColumn[],
  tenantId: string,
  page: PageRequest,
): Promise<DatabaseConnectionReadRow[]> {
  return keysetPage(
    selectDatabaseConnections(db, columns).where('tenant_id', '=', tenantId),
    page,
  ).execute();
}

/** The nested parts a page of database connections can be read with (see page-parts.ts). */
export interface DatabaseConnectionPageParts {
  /** The connections' QUEUED and RUNNING jobs (`activeJobsByConnectionKeys`). */
  activeJobs?: boolean;
}

const databaseConnectionsPage = pageReader(
  { rows: ['created_at', 'updated_at'], parts: { activeJobs: ['created_at', 'updated_at'] } },
  (
    db,
    choice: { wanted: DatabaseConnectionPageParts; columns: readonly ReadableColumn[] },
    tenantId: string,
  ) => {
    const parts: PageStatement<DatabaseConnectionReadRow>['parts'] = {};
    if (choice.wanted.activeJobs) parts.activeJobs = activeJobsQuery(db, tenantId, pageKeys('id'));
    return {
      query: selectDatabaseConnections(db, choice.columns).where('tenant_id', '=', tenantId),
      parts,
    };
  },
);

/**
 * A page of a tenant's connections with the parts asked for, in one statement; each part
 * holds exactly the rows its batch query returns for the page's keys. `columns` is part of
 * the statement's shape: the service passes one fixed list.
 */
export async function listDatabaseConnectionsWithParts(
  db: Kysely<Database>,
  columns: readonly ReadableColumn[],
  tenantId: string,
  page: PageRequest,
  wanted: DatabaseConnectionPageParts,
): Promise<PageWithParts<DatabaseConnectionReadRow>> {
  const shape = partsShape(wanted);
  return databaseConnectionsPage(
    db,
    new StatementShape(`${shape.key}|${columns.join(',')}`, { wanted, columns }),
    page,
    tenantId,
  );
}

/**
 * Batch: the QUEUED and RUNNING jobs of many connections in one statement, for the
 * per-request `activeJobs` loader:
 * `select * from database_jobs where tenant_id = $1 and connection_id = any($2) and status in ('QUEUED','RUNNING') order by id`.
 */
export async function activeJobsByConnectionKeys(
  db: Kysely<Database>,
  tenantId: string,
  ids: readonly string[],
): Promise<DatabaseJobRow[]> {
  if (ids.length === 0) return [];
  return activeJobsQuery(db, tenantId, ids).execute();
}

function activeJobsQuery(db: Kysely<Database>, tenantId: string, keys: Keys) {
  return db
    .selectFrom('database_jobs')
    .selectAll()
    .where(inTenant('tenant_id', 'connection_id', tenantId, keys))
    .where('status', 'in', activeStatuses())
    .orderBy('id');
}

/**
 * Rule 2 of the locking protocol: locks the connection's row `FOR SHARE` before a job that
 * uses it is inserted or moved into QUEUED/RUNNING. False when the connection does not exist
 * in that tenant (then no job may be written).
 */
export async function lockConnectionForJob(
  trx: Transaction<Database>,
  tenantId: string,
  connectionId: string,
): Promise<boolean> {
  const row = await trx
    .selectFrom('database_connections')
    .select('id')
    .where('tenant_id', '=', tenantId)
    .where('id', '=', connectionId)
    .forShare()
    .executeTakeFirst();
  return !!row;
}

/**
 * Queues a new job on a connection, following the locking protocol (row `FOR SHARE`, then
 * the insert). Returns the job, or undefined when the connection is not in that tenant.
 */
export async function enqueueJob(
  trx: Transaction<Database>,
  tenantId: string,
  connectionId: string,
  jobId: string,
): Promise<DatabaseJobRow | undefined> {
  if (!(await lockConnectionForJob(trx, tenantId, connectionId))) return undefined;
  return trx
    .insertInto('database_jobs')
    .values({ id: jobId, tenant_id: tenantId, connection_id: connectionId, status: 'QUEUED' })
    .returningAll()
    .executeTakeFirstOrThrow();
}

/**
 * Starts a job on a connection, following the locking protocol (row `FOR SHARE` first): a
 * queued (or finished, being retried) job of that connection moves to RUNNING, an unknown
 * id is inserted as RUNNING. Returns the job, or undefined when the connection is not in
 * that tenant or the id belongs to a job of another connection.
 */
export async function startJob(
  trx: Transaction<Database>,
  tenantId: string,
  connectionId: string,
  jobId: string,
): Promise<DatabaseJobRow | undefined> {
  if (!(await lockConnectionForJob(trx, tenantId, connectionId))) return undefined;
  return trx
    .insertInto('database_jobs')
    .values({ id: jobId, tenant_id: tenantId, connection_id: connectionId, status: 'RUNNING' })
    .onConflict((oc) =>
      oc
        .column('id')
        .doUpdateSet({ status: 'RUNNING', updated_at: new Date() })
        .where('database_jobs.tenant_id', '=', tenantId)
        .where('database_jobs.connection_id', '=', connectionId),
    )
    .returningAll()
    .executeTakeFirst();
}
