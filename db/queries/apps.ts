import { sql, type Kysely, type Transaction, type Updateable } from 'kysely';
import type { Database } from '../database.js';
import type {
  AppAuthConfigRow,
  AppRow,
  BoardRow,
  OrgConnectionRow,
  OrgConnectionsTable,
} from '../tables/apps.js';
import { keysetPage, type PageRequest } from './pagination.js';
import { inTenant } from './tenant-keys.js';
import {
  pageKeys,
  pageReader,
  partsShape,
  type Keys,
  type PageStatement,
  type PageWithParts,
} from './page-parts.js';

/** The columns `replaceOrgConnection` may write (always with the new version). */
export type OrgConnectionUpdate = Pick<
  Updateable<OrgConnectionsTable>,
  'name' | 'auth_config_id' | 'api_key_enc' | 'credential_id' | 'version'
>;

/**
 * A board as `OrgConnection.usedByBoards` shows it (id and name), with the connection it was
 * looked up for (one row per board × connection).
 */
export type ConnectionBoardRow = Pick<BoardRow, 'tenant_id' | 'id' | 'name'> & {
  connection_id: string;
};

/**
 * Locks and reads one org connection of one tenant for the rest of the transaction:
 * `select * from org_connections where tenant_id = $1 and id = $2 for update`.
 */
export async function lockOrgConnection(
  trx: Transaction<Database>,
  tenantId: string,
  id: string,
): Promise<OrgConnectionRow | undefined> {
  return trx
    .selectFrom('org_connections')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('id', '=', id)
    .forUpdate()
    .executeTakeFirst();
}

/**
 * Reads the App of a connection being replaced and holds a share lock on it until the
 * transaction ends, so the App cannot be deleted (or its row otherwise changed) between the
 * check and the write: `select * from apps where tenant_id = $1 and id = $2 for share`.
 */
export async function shareLockApp(
  trx: Transaction<Database>,
  tenantId: string,
  appId: string,
): Promise<AppRow | undefined> {
  return trx
    .selectFrom('apps')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('id', '=', appId)
    .forShare()
    .executeTakeFirst();
}

/** The auth configs of one App, in the App's order (`position`), read inside the transaction. */
export async function authConfigsOfApp(
  trx: Transaction<Database>,
  tenantId: string,
  appId: string,
): Promise<AppAuthConfigRow[]> {
  return trx
    .selectFrom('app_auth_configs')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('app_id', '=', appId)
    .orderBy('position')
    .orderBy('id')
    .execute();
}

/** Writes the replaced columns, the new version and `updated_at`; returns the row as stored. */
export async function updateOrgConnection(
  trx: Transaction<Database>,
  tenantId: string,
  id: string,
  changes: OrgConnectionUpdate,
): Promise<OrgConnectionRow> {
  return trx
    .updateTable('org_connections')
    .set({ ...changes, updated_at: new Date() })
    .where('tenant_id', '=', tenantId)
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirstOrThrow();
}

/**
 * An org connection as the read side sees it: every column but the sealed API key, of which
 * only `has_api_key` (`api_key_enc is not null`) is selected. Reads never fetch ciphertext.
 */
export type OrgConnectionReadRow = Omit<OrgConnectionRow, 'api_key_enc'> & { has_api_key: boolean };

function selectOrgConnections(db: Kysely<Database>) {
  return db
    .selectFrom('org_connections')
    .select([
      'id',
      'tenant_id',
      'app_id',
      'auth_config_id',
      'name',
      'credential_id',
      'version',
      'created_at',
      'updated_at',
    ])
    .select(sql<boolean>`api_key_enc is not null`.as('has_api_key'));
}

/** One org connection of one tenant, or `undefined`. */
export async function getOrgConnection(
  db: Kysely<Database>,
  tenantId: string,
  id: string,
): Promise<OrgConnectionReadRow | undefined> {
  return selectOrgConnections(db)
    .where('tenant_id', '=', tenantId)
    .where('id', '=', id)
    .executeTakeFirst();
}

/** One keyset page of a tenant's org connections, in creation order. */
export async function listOrgConnections(
  db: Kysely<Database>,
  tenantId: string,
  page: PageRequest,
): Promise<OrgConnectionReadRow[]> {
  return keysetPage(selectOrgConnections(db).where('tenant_id', '=', tenantId), page).execute();
}

/** Batch: Apps by `(tenant, id)` keys, for the per-request loader. */
export async function appsByKeys(
  db: Kysely<Database>,
  tenantId: string,
  ids: readonly string[],
): Promise<AppRow[]> {
  if (ids.length === 0) return [];
  return appsQuery(db, tenantId, ids).execute();
}

function appsQuery(db: Kysely<Database>, tenantId: string, keys: Keys) {
  return db
    .selectFrom('apps')
    .selectAll()
    .where(inTenant('tenant_id', 'id', tenantId, keys));
}

/** An App's JSON columns: each is read by a page only when its selection asks for it. */
export interface AppJsonColumns {
  schema?: boolean;
  schema_metadata?: boolean;
  server?: boolean;
}

/** Every column of an App but its JSON ones (keys, name, timestamps: small and always read). */
const APP_PLAIN_COLUMNS = [
  'id',
  'tenant_id',
  'name',
  'public',
  'image_url',
  'schema_id',
  'created_at',
  'updated_at',
  'deleted_at',
] as const;

/**
 * A type check only: every column of an App is plain or JSON, so a page that reads all three
 * JSON columns reads what `appsByKeys` reads (a new column fails to compile until it is
 * named above or in `AppJsonColumns`).
 */
const everyAppColumnNamed: Record<
  Exclude<keyof AppRow, (typeof APP_PLAIN_COLUMNS)[number] | keyof AppJsonColumns>,
  never
> = {};
void everyAppColumnNamed;

/** `appsQuery` with only the JSON columns in `json` (a page's Apps, see `OrgConnectionPageParts`). */
function appsColumnsQuery(
  db: Kysely<Database>,
  tenantId: string,
  keys: Keys,
  json: AppJsonColumns,
) {
  const columns: (keyof AppRow)[] = [...APP_PLAIN_COLUMNS];
  if (json.schema) columns.push('schema');
  if (json.schema_metadata) columns.push('schema_metadata');
  if (json.server) columns.push('server');
  return db
    .selectFrom('apps')
    .select(columns)
    .where(inTenant('tenant_id', 'id', tenantId, keys));
}

/**
 * An auth config as the read side sees it: every column but the sealed secret data, of which
 * only `has_secret_data` is selected, and `created_at`, which no field answers (a page would
 * otherwise carry and revive one timestamp per config for nothing).
 */
export type AppAuthConfigReadRow = Omit<AppAuthConfigRow, 'secret_data_enc' | 'created_at'> & {
  has_secret_data: boolean;
};

function selectAuthConfigs(db: Kysely<Database>) {
  return db
    .selectFrom('app_auth_configs')
    .select(['id', 'tenant_id', 'app_id', 'position', 'type', 'is_valid', 'data'])
    .select(sql<boolean>`secret_data_enc is not null`.as('has_secret_data'));
}

/** Batch: auth configs by `(tenant, id)` keys, for the per-request loader. */
export async function authConfigsByKeys(
  db: Kysely<Database>,
  tenantId: string,
  ids: readonly string[],
): Promise<AppAuthConfigReadRow[]> {
  if (ids.length === 0) return [];
  return authConfigsQuery(db, tenantId, ids).execute();
}

function authConfigsQuery(db: Kysely<Database>, tenantId: string, keys: Keys) {
  return selectAuthConfigs(db).where(inTenant('tenant_id', 'id', tenantId, keys));
}

/**
 * Batch: every auth config of the Apps named by `(tenant, appId)` keys, each App's configs in
 * its order (`position`), for the per-request loader of `App.supportedAuthConfigs`.
 */
export async function authConfigsByAppKeys(
  db: Kysely<Database>,
  tenantId: string,
  ids: readonly string[],
): Promise<AppAuthConfigReadRow[]> {
  if (ids.length === 0) return [];
  return authConfigsByAppQuery(db, tenantId, ids).execute();
}

function authConfigsByAppQuery(db: Kysely<Database>, tenantId: string, keys: Keys) {
  return selectAuthConfigs(db)
    .where(inTenant('tenant_id', 'app_id', tenantId, keys))
    .orderBy('position')
    .orderBy('id');
}

/**
 * Batch: the boards that use the connections named by `(tenant, connectionId)` keys, by
 * board name then id, for the per-request loader of `OrgConnection.usedByBoards`:
 *
 * ```sql
 * select boards.tenant_id, boards.id, boards.name, bc.connection_id from board_connections bc
 *   join boards on boards.tenant_id = bc.tenant_id and boards.id = bc.board_id
 *  where bc.tenant_id = $1 and bc.connection_id = any($2) order by boards.name, boards.id
 * ```
 */
export async function boardsByConnectionKeys(
  db: Kysely<Database>,
  tenantId: string,
  ids: readonly string[],
): Promise<ConnectionBoardRow[]> {
  if (ids.length === 0) return [];
  return boardsByConnectionQuery(db, tenantId, ids).execute();
}

function boardsByConnectionQuery(db: Kysely<Database>, tenantId: string, keys: Keys) {
  return db
    .selectFrom('board_connections as bc')
    .innerJoin('boards', (join) =>
      join.onRef('boards.tenant_id', '=', 'bc.tenant_id').onRef('boards.id', '=', 'bc.board_id'),
    )
    .select(['boards.tenant_id', 'boards.id', 'boards.name', 'bc.connection_id'])
    .where(inTenant('bc.tenant_id', 'bc.connection_id', tenantId, keys))
    .orderBy('boards.name')
    .orderBy('boards.id');
}

/** The nested parts a page of org connections can be read with (see page-parts.ts). */
export interface OrgConnectionPageParts {
  /**
   * The connections' Apps (`appsByKeys`), with only the JSON columns named by `appSchema`,
   * `appSchemaMetadata` and `appServer` (each is a part of the statement's shape: at most 8
   * column choices). An App read without one of them lacks that field: see
   * `appsComplete`.
   */
  apps?: boolean;
  /** With `apps`: the Apps' `schema` column. */
  appSchema?: boolean;
  /** With `apps`: the Apps' `schema_metadata` column. */
  appSchemaMetadata?: boolean;
  /** With `apps`: the Apps' `server` column. */
  appServer?: boolean;
  /** Those Apps' auth configs (`authConfigsByAppKeys`). */
  appAuthConfigs?: boolean;
  /** The connections' own auth configs (`authConfigsByKeys`). */
  authConfigs?: boolean;
  /** The boards using the connections (`boardsByConnectionKeys`). */
  boards?: boolean;
}

const orgConnectionsPage = pageReader(
  {
    rows: ['created_at', 'updated_at'],
    parts: {
      apps: ['created_at', 'updated_at', 'deleted_at'],
    },
  },
  (db, wanted: OrgConnectionPageParts, tenantId: string) => {
    const parts: PageStatement<OrgConnectionReadRow>['parts'] = {};
    const appIds = pageKeys('app_id');
    if (wanted.apps)
      parts.apps = appsColumnsQuery(db, tenantId, appIds, {
        schema: wanted.appSchema,
        schema_metadata: wanted.appSchemaMetadata,
        server: wanted.appServer,
      });
    // An App's auth configs and a connection's boards are lists in their batch queries' order:
    // stated in the aggregate (PostgreSQL keeps no subquery's order through `json_agg`).
    if (wanted.appAuthConfigs)
      parts.appAuthConfigs = {
        query: authConfigsByAppQuery(db, tenantId, appIds).clearOrderBy(),
        orderBy: ['position', 'id'],
      };
    if (wanted.authConfigs)
      parts.authConfigs = authConfigsQuery(db, tenantId, pageKeys('auth_config_id'));
    if (wanted.boards)
      parts.boards = {
        query: boardsByConnectionQuery(db, tenantId, pageKeys('id')).clearOrderBy(),
        orderBy: ['name', 'id'],
      };
    return { query: selectOrgConnections(db).where('tenant_id', '=', tenantId), parts };
  },
);

/** Whether a page's Apps are read with every column, as `appsByKeys` reads them. */
export function appsComplete(wanted: OrgConnectionPageParts): boolean {
  return !!(wanted.appSchema && wanted.appSchemaMetadata && wanted.appServer);
}

/**
 * A page of an organisation's connections with the parts asked for, in one statement; each
 * part holds exactly the rows its batch query returns for the page's keys.
 */
export async function listOrgConnectionsWithParts(
  db: Kysely<Database>,
  tenantId: string,
  page: PageRequest,
  wanted: OrgConnectionPageParts,
): Promise<PageWithParts<OrgConnectionReadRow>> {
  return orgConnectionsPage(db, partsShape(wanted), page, tenantId);
}
