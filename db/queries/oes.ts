import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../database.js';
import type { OesConnectionRow, OesConnectionUpdate, OesPartnerRow } from '../tables/oes.js';
import { keysetPage, type PageRequest } from './pagination.js';
import { inTenantKeys, type TenantKey } from './tenant-keys.js';

/**
 * Locks and reads one OES connection of one tenant for the rest of the transaction:
 * `select * from oes_connections where tenant_id = $1 and id = $2 for update`.
 */
export async function lockOesConnection(
  trx: Transaction<Database>,
  tenantId: string,
  id: string,
): Promise<OesConnectionRow | undefined> {
  return trx
    .selectFrom('oes_connections')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('id', '=', id)
    .forUpdate()
    .executeTakeFirst();
}

/** Writes the changed columns and the new version; returns the row as stored. */
export async function updateOesConnection(
  trx: Transaction<Database>,
  tenantId: string,
  id: string,
  changes: OesConnectionUpdate,
): Promise<OesConnectionRow> {
  return trx
    .updateTable('oes_connections')
    .set({ ...changes, updated_at: new Date() })
    .where('tenant_id', '=', tenantId)
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function getOesConnection(
  db: Kysely<Database>,
  tenantId: string,
  id: string,
): Promise<OesConnectionRow | undefined> {
  return db
    .selectFrom('oes_connections')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('id', '=', id)
    .executeTakeFirst();
}

export async function listOesConnections(
  db: Kysely<Database>,
  tenantId: string,
  page: PageRequest,
): Promise<OesConnectionRow[]> {
  return keysetPage(
    db.selectFrom('oes_connections').selectAll().where('tenant_id', '=', tenantId),
    page,
  ).execute();
}

/** Batch: partners by `(tenant, id)` keys, for the per-request loader. */
export async function partnersByKeys(
  db: Kysely<Database>,
  keys: readonly TenantKey[],
): Promise<OesPartnerRow[]> {
  if (keys.length === 0) return [];
  return db
    .selectFrom('oes_partners')
    .selectAll()
    .where(inTenantKeys('tenant_id', 'id', keys))
    .execute();
}
