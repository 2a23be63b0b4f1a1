import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database } from '../database.js';
import type {
  AuthSchemeConfigRow,
  ConnectionCredentialRow,
  ConnectionVariableRow,
  ConnectorConnectionRow,
  ConnectorRow,
} from '../tables/connectors.js';
import { keysetPage, type PageRequest } from './pagination.js';
import { inTenant } from './tenant-keys.js';
import {
  pageKeys,
  pageReader,
  partsShape,
  type Keys,
  type OrderedPart,
  type PageStatement,
  type PageWithParts,
} from './page-parts.js';

/**
 * A credential as the read side may see it: every column except the sealed `data_enc`, which
 * is never selected; `has_data` says only whether it is set.
 */
export interface CredentialSummaryRow {
  id: string;
  tenant_id: string;
  type: string;
  name: string;
  errors: string[];
  expires_at: Date | null;
  created_at: Date;
  has_data: boolean;
}

/**
 * A credential slot as the read side uses it: every column but `created_at`, which nothing
 * shows (a page reads ~300 slots; their timestamps were parsed into `Date`s for nothing).
 */
export type ConnectionCredentialReadRow = Omit<ConnectionCredentialRow, 'created_at'>;

/**
 * An auth scheme config as the read side uses it: without `config` (server-side) and
 * `created_at`, which nothing shows.
 */
export type AuthSchemeConfigReadRow = Omit<AuthSchemeConfigRow, 'config' | 'created_at'>;

/** A credential slot with the scheme type of the config it currently uses. */
export interface ConnectionSlotRow extends ConnectionCredentialRow {
  scheme_type: string;
}

/** One use of a credential: the connection (whole row) and the credential it uses. */
export interface CredentialUsageRow extends ConnectorConnectionRow {
  credential_id: string;
}

// --- mutation ---------------------------------------------------------------------------

/**
 * Locks and reads one connection of one connector of one tenant for the rest of the
 * transaction: `select * from connector_connections where tenant_id = $1 and connector_id = $2
 * and id = $3 for update`. A connection under another connector is not found.
 */
export async function lockConnectorConnection(
  trx: Transaction<Database>,
  tenantId: string,
  connectorId: string,
  id: string,
): Promise<ConnectorConnectionRow | undefined> {
  return trx
    .selectFrom('connector_connections')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('connector_id', '=', connectorId)
    .where('id', '=', id)
    .forUpdate()
    .executeTakeFirst();
}

/**
 * Whether the connector exists in the tenant: tells a missing connector from a missing
 * connection.
 */
export async function connectorExists(
  db: Kysely<Database>,
  tenantId: string,
  connectorId: string,
): Promise<boolean> {
  const row = await db
    .selectFrom('connectors')
    .select('id')
    .where('tenant_id', '=', tenantId)
    .where('id', '=', connectorId)
    .executeTakeFirst();
  return row !== undefined;
}

/**
 * The connection's credential slots with the scheme type of each slot's current config,
 * in order (kind, position, id). Called under the connection's row lock, which every change
 * of the slots takes first, so the slots cannot change underneath.
 */
export async function slotsOfConnection(
  trx: Transaction<Database>,
  tenantId: string,
  connectionId: string,
): Promise<ConnectionSlotRow[]> {
  return trx
    .selectFrom('connection_credentials as cc')
    .innerJoin('auth_scheme_configs as asc', (join) =>
      join
        .onRef('asc.tenant_id', '=', 'cc.tenant_id')
        .onRef('asc.id', '=', 'cc.auth_scheme_config_id'),
    )
    .selectAll('cc')
    .select('asc.scheme_type')
    .where('cc.tenant_id', '=', tenantId)
    .where('cc.connection_id', '=', connectionId)
    .orderBy('cc.kind')
    .orderBy('cc.position')
    .orderBy('cc.id')
    .execute();
}

/** The connector's auth scheme configs among `ids` (ids of other connectors are not found). */
export async function authSchemeConfigsOfConnector(
  trx: Transaction<Database>,
  tenantId: string,
  connectorId: string,
  ids: readonly string[],
): Promise<AuthSchemeConfigRow[]> {
  if (ids.length === 0) return [];
  return trx
    .selectFrom('auth_scheme_configs')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('connector_id', '=', connectorId)
    .where('id', 'in', ids)
    .execute();
}

/**
 * Serializes every transaction that checks or takes one connection name within one connector:
 *
 * ```sql
 * select pg_advisory_xact_lock(hashtextextended($tenant || '/' || $connector || '/' || $name, 0))
 * ```
 *
 * Held until commit, so a concurrent rename to the same name waits, then sees this one's row.
 * ('/' cannot occur in a tenant id or a UUID, so the key is unambiguous.)
 */
export async function lockConnectionName(
  trx: Transaction<Database>,
  tenantId: string,
  connectorId: string,
  name: string,
): Promise<void> {
  const key = `${tenantId}/${connectorId}/${name}`;
  await sql`select pg_advisory_xact_lock(hashtextextended(${key}, 0))`.execute(trx);
}

/**
 * Whether another connection of the connector has exactly this name (compared as the unique
 * constraint compares: case-sensitive, byte for byte).
 */
export async function connectionNameTaken(
  trx: Transaction<Database>,
  tenantId: string,
  connectorId: string,
  name: string,
  exceptId: string,
): Promise<boolean> {
  const row = await trx
    .selectFrom('connector_connections')
    .select('id')
    .where('tenant_id', '=', tenantId)
    .where('connector_id', '=', connectorId)
    .where('name', '=', name)
    .where('id', '<>', exceptId)
    .executeTakeFirst();
  return row !== undefined;
}

/** Writes the name (when given), the new version and `updated_at`; returns the row as stored. */
export async function updateConnectorConnection(
  trx: Transaction<Database>,
  tenantId: string,
  id: string,
  changes: { name?: string; version: number },
): Promise<ConnectorConnectionRow> {
  return trx
    .updateTable('connector_connections')
    .set({ ...changes, updated_at: new Date() })
    .where('tenant_id', '=', tenantId)
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirstOrThrow();
}

/**
 * Moves slots and switches their configs in place (slot ids stay), in one statement:
 *
 * ```sql
 * update connection_credentials cc set position = v.position, auth_scheme_config_id = v.config
 *   from unnest($1::uuid[], $2::int[], $3::uuid[]) as v(id, position, config)
 *  where cc.tenant_id = $4 and cc.connection_id = $5 and cc.id = v.id
 * ```
 */
export async function updateConnectionSlots(
  trx: Transaction<Database>,
  tenantId: string,
  connectionId: string,
  slots: readonly { id: string; position: number; authSchemeConfigId: string }[],
): Promise<void> {
  if (slots.length === 0) return;
  const ids = slots.map((s) => s.id);
  const positions = slots.map((s) => s.position);
  const configs = slots.map((s) => s.authSchemeConfigId);
  await sql`
    update connection_credentials as cc
       set position = v.position, auth_scheme_config_id = v.config
      from unnest(${ids}::uuid[], ${positions}::int[], ${configs}::uuid[]) as v(id, position, config)
     where cc.tenant_id = ${tenantId} and cc.connection_id = ${connectionId} and cc.id = v.id
  `.execute(trx);
}

/** Replaces all of the connection's variables by `variables`, stored in list order. */
export async function replaceConnectionVariables(
  trx: Transaction<Database>,
  tenantId: string,
  connectionId: string,
  variables: readonly { name: string; value: string }[],
): Promise<void> {
  await trx
    .deleteFrom('connection_variables')
    .where('tenant_id', '=', tenantId)
    .where('connection_id', '=', connectionId)
    .execute();
  if (variables.length === 0) return;
  await trx
    .insertInto('connection_variables')
    .values(
      variables.map((v, position) => ({
        tenant_id: tenantId,
        connection_id: connectionId,
        position,
        name: v.name,
        value: v.value,
      })),
    )
    .execute();
}

// --- reads ------------------------------------------------------------------------------

/** One connection of one connector of one tenant, or undefined. */
export async function getConnectorConnection(
  db: Kysely<Database>,
  tenantId: string,
  connectorId: string,
  id: string,
): Promise<ConnectorConnectionRow | undefined> {
  return db
    .selectFrom('connector_connections')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('connector_id', '=', connectorId)
    .where('id', '=', id)
    .executeTakeFirst();
}

/** One keyset page of the tenant's connector connections (of one connector, if given). */
export async function listConnectorConnections(
  db: Kysely<Database>,
  tenantId: string,
  connectorId: string | null,
  page: PageRequest,
): Promise<ConnectorConnectionRow[]> {
  let query = db.selectFrom('connector_connections').selectAll().where('tenant_id', '=', tenantId);
  if (connectorId !== null) query = query.where('connector_id', '=', connectorId);
  return keysetPage(query, page).execute();
}

// --- batch functions for the per-request loaders (one statement per batch) -------------

/** Batch: connectors by `(tenant, id)`. */
export async function connectorsByKeys(
  db: Kysely<Database>,
  tenantId: string,
  ids: readonly string[],
): Promise<ConnectorRow[]> {
  if (ids.length === 0) return [];
  return connectorsQuery(db, tenantId, ids).execute();
}

function connectorsQuery(db: Kysely<Database>, tenantId: string, keys: Keys) {
  return db
    .selectFrom('connectors')
    .selectAll()
    .where(inTenant('tenant_id', 'id', tenantId, keys));
}

/** Batch: connector connections by `(tenant, id)`. */
export async function connectorConnectionsByKeys(
  db: Kysely<Database>,
  tenantId: string,
  ids: readonly string[],
): Promise<ConnectorConnectionRow[]> {
  if (ids.length === 0) return [];
  return db
    .selectFrom('connector_connections')
    .selectAll()
    .where(inTenant('tenant_id', 'id', tenantId, ids))
    .execute();
}

/** Batch: auth scheme configs by `(tenant, id)`. */
export async function authSchemeConfigsByKeys(
  db: Kysely<Database>,
  tenantId: string,
  ids: readonly string[],
): Promise<AuthSchemeConfigReadRow[]> {
  if (ids.length === 0) return [];
  return authSchemeConfigsQuery(db, tenantId, ids).execute();
}

function authSchemeConfigsQuery(db: Kysely<Database>, tenantId: string, keys: Keys) {
  return db
    .selectFrom('auth_scheme_configs')
    .select(['id', 'tenant_id', 'connector_id', 'scheme_type', 'description'])
    .where(inTenant('tenant_id', 'id', tenantId, keys));
}

/** Batch: credentials by `(tenant, id)`, without their sealed data (`has_data` instead). */
export async function credentialsByKeys(
  db: Kysely<Database>,
  tenantId: string,
  ids: readonly string[],
): Promise<CredentialSummaryRow[]> {
  if (ids.length === 0) return [];
  return credentialsQuery(db, tenantId, ids).execute();
}

function credentialsQuery(db: Kysely<Database>, tenantId: string, keys: Keys) {
  return db
    .selectFrom('credentials')
    .select(['id', 'tenant_id', 'type', 'name', 'errors', 'expires_at', 'created_at'])
    .select((eb) => eb('data_enc', 'is not', null).$castTo<boolean>().as('has_data'))
    .where(inTenant('tenant_id', 'id', tenantId, keys));
}

/** Batch: the credential slots of connections by `(tenant, connection id)`, in slot order. */
export async function connectionCredentialsByConnections(
  db: Kysely<Database>,
  tenantId: string,
  ids: readonly string[],
): Promise<ConnectionCredentialReadRow[]> {
  if (ids.length === 0) return [];
  return connectionCredentialsQuery(db, tenantId, ids).execute();
}

function connectionCredentialsQuery(db: Kysely<Database>, tenantId: string, keys: Keys) {
  return db
    .selectFrom('connection_credentials')
    .select([
      'id',
      'tenant_id',
      'connection_id',
      'kind',
      'position',
      'credential_id',
      'auth_scheme_config_id',
    ])
    .where(inTenant('tenant_id', 'connection_id', tenantId, keys))
    .orderBy('kind')
    .orderBy('position')
    .orderBy('id');
}

/** Batch: the variables of connections by `(tenant, connection id)`, in position order. */
export async function connectionVariablesByConnections(
  db: Kysely<Database>,
  tenantId: string,
  ids: readonly string[],
): Promise<ConnectionVariableRow[]> {
  if (ids.length === 0) return [];
  return connectionVariablesQuery(db, tenantId, ids).execute();
}

function connectionVariablesQuery(db: Kysely<Database>, tenantId: string, keys: Keys) {
  return db
    .selectFrom('connection_variables')
    .selectAll()
    .where(inTenant('tenant_id', 'connection_id', tenantId, keys))
    .orderBy('position')
    .orderBy('name');
}

/**
 * Batch: the connections that use each credential, by `(tenant, credential id)`, once per
 * connection even when it uses the credential in two slots, in connection creation order:
 *
 * ```sql
 * select distinct cc.credential_id, conn.* from connection_credentials cc
 *   join connector_connections conn on conn.tenant_id = cc.tenant_id and conn.id = cc.connection_id
 *  where cc.tenant_id = $1 and cc.credential_id = any($2::uuid[])
 *  order by conn.created_at, conn.id
 * ```
 */
export async function credentialUsagesByCredentials(
  db: Kysely<Database>,
  tenantId: string,
  ids: readonly string[],
): Promise<CredentialUsageRow[]> {
  if (ids.length === 0) return [];
  return credentialUsagesQuery(db, tenantId, ids).execute();
}

function credentialUsagesQuery(db: Kysely<Database>, tenantId: string, keys: Keys) {
  return db
    .selectFrom('connection_credentials as cc')
    .innerJoin('connector_connections as conn', (join) =>
      join.onRef('conn.tenant_id', '=', 'cc.tenant_id').onRef('conn.id', '=', 'cc.connection_id'),
    )
    .distinct()
    .select('cc.credential_id')
    .selectAll('conn')
    .where(inTenant('cc.tenant_id', 'cc.credential_id', tenantId, keys))
    .orderBy('conn.created_at')
    .orderBy('conn.id');
}

/**
 * A page's usages as `(credential, connection)` pairs with the connection's `created_at`
 * (their order: the connections' creation order, as `credentialUsagesQuery`'s): a page's ~300
 * usage rows name ~100 connections, most of them the page's own, so the page reads each
 * connection once (its rows, or `usageConnectionsQuery`) instead of once per usage. The page
 * statement names it `usage_pairs` (a CTE: its usages and their connections both read it).
 */
function credentialUsagePairsQuery(db: Kysely<Database>, tenantId: string, keys: Keys) {
  return db
    .selectFrom('connection_credentials as cc')
    .innerJoin('connector_connections as conn', (join) =>
      join.onRef('conn.tenant_id', '=', 'cc.tenant_id').onRef('conn.id', '=', 'cc.connection_id'),
    )
    .distinct()
    .select(['cc.credential_id', 'conn.id as connection_id', 'conn.created_at'])
    .where(inTenant('cc.tenant_id', 'cc.credential_id', tenantId, keys));
}

/** A usage pair of a page: the credential and one connection that uses it. */
export interface CredentialUsagePairRow {
  credential_id: string;
  connection_id: string;
}

/**
 * The page's usage pairs in the connections' creation order, stated in the aggregate
 * (`json_agg(… order by x.created_at, x.connection_id)`): a list is built in this order per
 * credential (`primeUsages`), and PostgreSQL does not promise to keep a subquery's order
 * through `json_agg`. `created_at` orders the pairs but does not travel.
 */
function usagePairsPart(db: Kysely<Database>): OrderedPart {
  return {
    query: db
      .selectFrom(
        sql<{ credential_id: string; connection_id: string; created_at: Date }>`usage_pairs`.as(
          'u',
        ),
      )
      .selectAll(),
    orderBy: ['created_at', 'connection_id'],
    columns: ['credential_id', 'connection_id'],
  };
}

/** The connections of a page's usage pairs that are not on the page (`page` holds the rest). */
function usageConnectionsQuery(db: Kysely<Database>, tenantId: string) {
  return db
    .selectFrom('connector_connections')
    .selectAll()
    .where(inTenant('tenant_id', 'id', tenantId, sql`select connection_id from usage_pairs`))
    .where(sql<boolean>`id <> all(array(${pageKeys('id')}))`);
}

/** The nested parts a page of connector connections can be read with (see page-parts.ts). */
export interface ConnectorConnectionPageParts {
  /** The connections' connectors (`connectorsByKeys`), and with `usages`, their connections'. */
  connectors?: boolean;
  /** The connections' credential slots (`connectionCredentialsByConnections`). */
  slots?: boolean;
  /** The connections' variables (`connectionVariablesByConnections`). */
  variables?: boolean;
  /** The slots' auth scheme configs (`authSchemeConfigsByKeys`). */
  authSchemeConfigs?: boolean;
  /** The slots' credentials (`credentialsByKeys`). */
  credentials?: boolean;
  /**
   * The connections using those credentials (`credentialUsagesByCredentials`), read as
   * `usages` (the `(credential, connection)` pairs) and `usageConnections` (the connections
   * not on the page).
   */
  usages?: boolean;
}

const connectorConnectionsPage = pageReader(
  {
    rows: ['created_at', 'updated_at'],
    parts: {
      connectors: ['created_at', 'updated_at'],
      credentials: ['expires_at', 'created_at'],
      usageConnections: ['created_at', 'updated_at'],
    },
  },
  (db, wanted: ConnectorConnectionPageParts, tenantId: string, of: { connectorId?: string }) => {
    const ids = pageKeys('id');
    /** The page's slots' `column`: the keys of the configs, credentials and usages. */
    const ofSlots = (column: 'credential_id' | 'auth_scheme_config_id') =>
      sql`select ${sql.ref(column)} from connection_credentials where tenant_id = ${tenantId} and connection_id in (${ids})`;
    const parts: PageStatement<ConnectorConnectionRow>['parts'] = {};
    const shared: PageStatement<ConnectorConnectionRow>['shared'] = {};
    if (wanted.usages) {
      shared.usage_pairs = credentialUsagePairsQuery(db, tenantId, ofSlots('credential_id'));
      parts.usages = usagePairsPart(db);
      parts.usageConnections = usageConnectionsQuery(db, tenantId);
    }
    if (wanted.connectors) {
      const connectorIds = wanted.usages
        ? sql`${pageKeys('connector_id')} union select u.connector_id from (${parts.usageConnections}) u`
        : pageKeys('connector_id');
      parts.connectors = connectorsQuery(db, tenantId, connectorIds);
    }
    // Slots and variables are listed in their batch queries' order, stated in the aggregate.
    if (wanted.slots)
      parts.slots = {
        query: connectionCredentialsQuery(db, tenantId, ids).clearOrderBy(),
        orderBy: ['kind', 'position', 'id'],
      };
    if (wanted.variables)
      parts.variables = {
        query: connectionVariablesQuery(db, tenantId, ids).clearOrderBy(),
        orderBy: ['position', 'name'],
      };
    if (wanted.authSchemeConfigs)
      parts.authSchemeConfigs = authSchemeConfigsQuery(
        db,
        tenantId,
        ofSlots('auth_scheme_config_id'),
      );
    if (wanted.credentials)
      parts.credentials = credentialsQuery(db, tenantId, ofSlots('credential_id'));
    let query = db
      .selectFrom('connector_connections')
      .selectAll()
      .where('tenant_id', '=', tenantId);
    // A record: with or without the connector is a shape of its own (db/prepared.ts).
    if (of.connectorId !== undefined) query = query.where('connector_id', '=', of.connectorId);
    return { query, parts, shared };
  },
);

/**
 * A page of connector connections with the parts asked for, in one statement; each part holds
 * exactly the rows its batch query returns for the page's keys, but for the usages: their
 * `(credential, connection)` pairs, and the connections that are not on the page.
 */
export async function listConnectorConnectionsWithParts(
  db: Kysely<Database>,
  tenantId: string,
  connectorId: string | null,
  page: PageRequest,
  wanted: ConnectorConnectionPageParts,
): Promise<PageWithParts<ConnectorConnectionRow>> {
  return connectorConnectionsPage(
    db,
    partsShape(wanted),
    page,
    tenantId,
    connectorId === null ? {} : { connectorId },
  );
}
