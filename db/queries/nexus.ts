import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database } from '../database.js';
import type { NexusClientRow, NexusConnectionRow } from '../tables/nexus.js';
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

/** One client on one connection, with the client's name: a row of a connection's client list. */
export interface NexusConnectionClientView {
  tenant_id: string;
  connection_id: string;
  client_id: string;
  client_name: string;
  position: number;
  enabled: boolean;
}

/**
 * Locks and reads one Nexus connection of one tenant for the rest of the transaction:
 * `select * from nexus_connections where tenant_id = $1 and id = $2 for update`. Holding
 * this lock serialises every change to the connection's client list.
 */
export async function lockNexusConnection(
  trx: Transaction<Database>,
  tenantId: string,
  id: string,
): Promise<NexusConnectionRow | undefined> {
  return trx
    .selectFrom('nexus_connections')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('id', '=', id)
    .forUpdate()
    .executeTakeFirst();
}

/**
 * Reads one tenant's client by id (its owner decides whether a `client.write` caller may
 * toggle it). Client ids are case-sensitive text, compared exactly. With `lock: 'share'`
 * (inside a transaction) the row is read `FOR SHARE`: its owner cannot change until the
 * transaction ends, so a decision made on it holds for the write.
 */
export async function getNexusClient(
  db: Kysely<Database>,
  tenantId: string,
  clientId: string,
  lock?: 'share',
): Promise<NexusClientRow | undefined> {
  const query = db
    .selectFrom('nexus_clients')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('id', '=', clientId);
  return (lock === 'share' ? query.forShare() : query).executeTakeFirst();
}

/**
 * The entry of one client on one connection's list, with the client's name, or undefined
 * when the client is not on that list (or does not exist in the tenant):
 *
 * ```sql
 * select ncc.*, c.name as client_name from nexus_connection_clients ncc
 *   join nexus_clients c on c.tenant_id = ncc.tenant_id and c.id = ncc.client_id
 *  where ncc.tenant_id = $1 and ncc.connection_id = $2 and ncc.client_id = $3
 * ```
 */
export async function getConnectionClient(
  trx: Transaction<Database>,
  tenantId: string,
  connectionId: string,
  clientId: string,
): Promise<NexusConnectionClientView | undefined> {
  return connectionClientsQuery(trx)
    .where('ncc.tenant_id', '=', tenantId)
    .where('ncc.connection_id', '=', connectionId)
    .where('ncc.client_id', '=', clientId)
    .executeTakeFirst();
}

/** Sets whether one client is enabled on one connection (the connection row is locked). */
export async function setConnectionClientEnabled(
  trx: Transaction<Database>,
  tenantId: string,
  connectionId: string,
  clientId: string,
  enabled: boolean,
): Promise<void> {
  await trx
    .updateTable('nexus_connection_clients')
    .set({ enabled })
    .where('tenant_id', '=', tenantId)
    .where('connection_id', '=', connectionId)
    .where('client_id', '=', clientId)
    .execute();
}

/**
 * Appends a client to the end of one connection's list, with the given state. Runs only while
 * the connection row is locked `FOR UPDATE` (so two appends never read the same last position,
 * and an append that waited sees the other's entry first); the primary key
 * `(tenant_id, connection_id, client_id)` is the backstop against a duplicate entry:
 *
 * ```sql
 * insert into nexus_connection_clients (tenant_id, connection_id, client_id, position, enabled)
 * select $1::text, $2::uuid, $3::text, coalesce(max(position) + 1, 0), $4::boolean
 *   from nexus_connection_clients where tenant_id = $1 and connection_id = $2
 * ```
 */
export async function appendConnectionClient(
  trx: Transaction<Database>,
  tenantId: string,
  connectionId: string,
  clientId: string,
  enabled: boolean,
): Promise<void> {
  await trx
    .insertInto('nexus_connection_clients')
    .columns(['tenant_id', 'connection_id', 'client_id', 'position', 'enabled'])
    .expression((eb) =>
      eb
        .selectFrom('nexus_connection_clients')
        .select([
          sql<string>`${tenantId}::text`.as('tenant_id'),
          sql<string>`${connectionId}::uuid`.as('connection_id'),
          sql<string>`${clientId}::text`.as('client_id'),
          sql<number>`coalesce(max(position) + 1, 0)`.as('position'),
          sql<boolean>`${enabled}::boolean`.as('enabled'),
        ])
        .where('tenant_id', '=', tenantId)
        .where('connection_id', '=', connectionId),
    )
    .execute();
}

/** Stamps a change on the connection: the new version and `updated_at`; returns the row. */
export async function bumpNexusConnection(
  trx: Transaction<Database>,
  tenantId: string,
  id: string,
  version: number,
): Promise<NexusConnectionRow> {
  return trx
    .updateTable('nexus_connections')
    .set({ version, updated_at: new Date() })
    .where('tenant_id', '=', tenantId)
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** One Nexus connection of one tenant, or undefined. */
export async function getNexusConnection(
  db: Kysely<Database>,
  tenantId: string,
  id: string,
): Promise<NexusConnectionRow | undefined> {
  return db
    .selectFrom('nexus_connections')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('id', '=', id)
    .executeTakeFirst();
}

/** One keyset page of a tenant's Nexus connections, in `(created_at, id)` order. */
export async function listNexusConnections(
  db: Kysely<Database>,
  tenantId: string,
  page: PageRequest,
): Promise<NexusConnectionRow[]> {
  return keysetPage(selectNexusConnections(db, tenantId), page).execute();
}

function selectNexusConnections(db: Kysely<Database>, tenantId: string) {
  return db.selectFrom('nexus_connections').selectAll().where('tenant_id', '=', tenantId);
}

/** The nested parts a page of Nexus connections can be read with (see page-parts.ts). */
export interface NexusConnectionPageParts {
  /** The connections' client lists (`connectionClientsByConnections`). */
  clients?: boolean;
}

const nexusConnectionsPage = pageReader(
  { rows: ['created_at', 'updated_at'], parts: {} },
  (db, wanted: NexusConnectionPageParts, tenantId: string) => {
    const parts: PageStatement<NexusConnectionRow>['parts'] = {};
    // A connection's clients in their stored order, stated in the aggregate (PostgreSQL keeps
    // no subquery's order through `json_agg`).
    if (wanted.clients)
      parts.clients = {
        query: connectionClientsByConnectionsQuery(db, tenantId, pageKeys('id')).clearOrderBy(),
        orderBy: ['tenant_id', 'connection_id', 'position'],
      };
    return { query: selectNexusConnections(db, tenantId), parts };
  },
);

/**
 * A page of a tenant's Nexus connections with the parts asked for, in one statement; each
 * part holds exactly the rows its batch query returns for the page's keys.
 */
export async function listNexusConnectionsWithParts(
  db: Kysely<Database>,
  tenantId: string,
  page: PageRequest,
  wanted: NexusConnectionPageParts,
): Promise<PageWithParts<NexusConnectionRow>> {
  return nexusConnectionsPage(db, partsShape(wanted), page, tenantId);
}

/**
 * Batch: the client lists of many connections, each client with its name, in one statement
 * for the per-request loader; ordered by connection, then stored `position`:
 *
 * ```sql
 * … where (ncc.tenant_id, ncc.connection_id) in (($1, $2), …)
 *   order by ncc.tenant_id, ncc.connection_id, ncc.position
 * ```
 */
export async function connectionClientsByConnections(
  db: Kysely<Database>,
  tenantId: string,
  ids: readonly string[],
): Promise<NexusConnectionClientView[]> {
  if (ids.length === 0) return [];
  return connectionClientsByConnectionsQuery(db, tenantId, ids).execute();
}

function connectionClientsByConnectionsQuery(db: Kysely<Database>, tenantId: string, keys: Keys) {
  return connectionClientsQuery(db)
    .where(inTenant('ncc.tenant_id', 'ncc.connection_id', tenantId, keys))
    .orderBy('ncc.tenant_id')
    .orderBy('ncc.connection_id')
    .orderBy('ncc.position');
}

function connectionClientsQuery(db: Kysely<Database>) {
  return db
    .selectFrom('nexus_connection_clients as ncc')
    .innerJoin('nexus_clients as c', (join) =>
      join.onRef('c.tenant_id', '=', 'ncc.tenant_id').onRef('c.id', '=', 'ncc.client_id'),
    )
    .select([
      'ncc.tenant_id',
      'ncc.connection_id',
      'ncc.client_id',
      'c.name as client_name',
      'ncc.position',
      'ncc.enabled',
    ]);
}
