import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../database.js';
import type { OesConnectionRow, OesConnectionUpdate, OesPartnerRow } from '../tables/oes.js';
import { prepared } from '../prepared.js';
import { keysetPage, type PageRequest } from './pagination.js';
import { inTenant } from './tenant-keys.js';

/**
 * Locks and reads one OES connection of one tenant for the rest of the transaction:
 * `select * from oes_connections where tenant_id = $1 and id = $2 for update`.
 */
export async function lockOesConnection(
  trx: Transaction<Database>,
  tenantId: string,
  id: string,
): Promise<OesConnectionRow | undefined> {
  const [row] = await lockOes(trx, tenantId, id);
  return row;
}

const lockOes = prepared((db, tenantId: string, id: string) =>
  db
    .selectFrom('oes_connections')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('id', '=', id)
    .forUpdate(),
);

/** Writes the changed columns and the new version; returns the row as stored. */
export async function updateOesConnection(
  trx: Transaction<Database>,
  tenantId: string,
  id: string,
  changes: OesConnectionUpdate,
): Promise<OesConnectionRow> {
  const [row] = await updateOes(trx, changes, new Date(), tenantId, id);
  if (!row) throw new Error(`oes_connections ${tenantId}/${id} vanished under its lock`);
  return row;
}

const updateOes = prepared(
  (db, changes: OesConnectionUpdate, updatedAt: Date, tenantId: string, id: string) =>
    db
      .updateTable('oes_connections')
      .set({ ...changes, updated_at: updatedAt })
      .where('tenant_id', '=', tenantId)
      .where('id', '=', id)
      .returningAll(),
);

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
  tenantId: string,
  ids: readonly string[],
): Promise<OesPartnerRow[]> {
  if (ids.length === 0) return [];
  return db
    .selectFrom('oes_partners')
    .selectAll()
    .where(inTenant('tenant_id', 'id', tenantId, ids))
    .execute();
}
