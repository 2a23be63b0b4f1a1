import type { Insertable, Kysely } from 'kysely';
import type { Database } from '../database.js';

/**
 * The inserts of the demo data and the test fixtures (`src/demo/builders.ts` builds the rows:
 * ids, defaults, sealed secrets). There are no create mutations in the contract, so these are
 * the only writes of whole objects; each is one statement.
 */

type Row<T extends keyof Database> = Insertable<Database[T]>;

/** True when a tenant with this id exists: `select id from tenants where id = $1`. */
export async function tenantExists(db: Kysely<Database>, id: string): Promise<boolean> {
  return !!(await db.selectFrom('tenants').select('id').where('id', '=', id).executeTakeFirst());
}

/** True when there is no tenant at all: `select id from tenants limit 1`. */
export async function noTenants(db: Kysely<Database>): Promise<boolean> {
  return !(await db.selectFrom('tenants').select('id').limit(1).executeTakeFirst());
}

export async function insertTenant(db: Kysely<Database>, row: Row<'tenants'>): Promise<void> {
  await db.insertInto('tenants').values(row).execute();
}

export async function insertTenantEntitlements(
  db: Kysely<Database>,
  rows: Row<'tenant_entitlements'>[],
): Promise<void> {
  await db.insertInto('tenant_entitlements').values(rows).execute();
}

export async function insertOesPartner(
  db: Kysely<Database>,
  row: Row<'oes_partners'>,
): Promise<void> {
  await db.insertInto('oes_partners').values(row).execute();
}

export async function insertOesConnection(
  db: Kysely<Database>,
  row: Row<'oes_connections'>,
): Promise<void> {
  await db.insertInto('oes_connections').values(row).execute();
}

export async function insertNexusClient(
  db: Kysely<Database>,
  row: Row<'nexus_clients'>,
): Promise<void> {
  await db.insertInto('nexus_clients').values(row).execute();
}

export async function insertNexusConnection(
  db: Kysely<Database>,
  row: Row<'nexus_connections'>,
): Promise<void> {
  await db.insertInto('nexus_connections').values(row).execute();
}

export async function insertNexusConnectionClients(
  db: Kysely<Database>,
  rows: Row<'nexus_connection_clients'>[],
): Promise<void> {
  await db.insertInto('nexus_connection_clients').values(rows).execute();
}

export async function insertApp(db: Kysely<Database>, row: Row<'apps'>): Promise<void> {
  await db.insertInto('apps').values(row).execute();
}

export async function insertAppAuthConfig(
  db: Kysely<Database>,
  row: Row<'app_auth_configs'>,
): Promise<void> {
  await db.insertInto('app_auth_configs').values(row).execute();
}

export async function insertOrgConnection(
  db: Kysely<Database>,
  row: Row<'org_connections'>,
): Promise<void> {
  await db.insertInto('org_connections').values(row).execute();
}

/** A board (kept when one with this id exists) and the connection's link to it. */
export async function insertBoardLink(
  db: Kysely<Database>,
  board: Row<'boards'>,
  connectionId: string,
): Promise<void> {
  await db
    .insertInto('boards')
    .values(board)
    .onConflict((oc) => oc.column('id').doNothing())
    .execute();
  await db
    .insertInto('board_connections')
    .values({ tenant_id: board.tenant_id, board_id: board.id, connection_id: connectionId })
    .execute();
}

export async function insertDatabaseConnection(
  db: Kysely<Database>,
  row: Row<'database_connections'>,
): Promise<void> {
  await db.insertInto('database_connections').values(row).execute();
}

export async function insertDatabaseJob(
  db: Kysely<Database>,
  row: Row<'database_jobs'>,
): Promise<void> {
  await db.insertInto('database_jobs').values(row).execute();
}

export async function insertConnector(db: Kysely<Database>, row: Row<'connectors'>): Promise<void> {
  await db.insertInto('connectors').values(row).execute();
}

export async function insertAuthSchemeConfig(
  db: Kysely<Database>,
  row: Row<'auth_scheme_configs'>,
): Promise<void> {
  await db.insertInto('auth_scheme_configs').values(row).execute();
}

export async function insertCredential(
  db: Kysely<Database>,
  row: Row<'credentials'>,
): Promise<void> {
  await db.insertInto('credentials').values(row).execute();
}

export async function insertConnectorConnection(
  db: Kysely<Database>,
  row: Row<'connector_connections'>,
): Promise<void> {
  await db.insertInto('connector_connections').values(row).execute();
}

export async function insertConnectionCredential(
  db: Kysely<Database>,
  row: Row<'connection_credentials'>,
): Promise<void> {
  await db.insertInto('connection_credentials').values(row).execute();
}

export async function insertConnectionVariables(
  db: Kysely<Database>,
  rows: Row<'connection_variables'>[],
): Promise<void> {
  await db.insertInto('connection_variables').values(rows).execute();
}
