import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../database.js';
import type { AuditEventRow, NewAuditEventRow } from '../tables/identity.js';
import { prepared } from '../prepared.js';
import { keysetPage, type PageRequest } from './pagination.js';

/** Writes one audit event; only ever called inside the mutation's transaction. */
export async function insertAuditEvent(
  trx: Transaction<Database>,
  event: NewAuditEventRow,
): Promise<void> {
  await insertAudit(trx, event);
}

const insertAudit = prepared((db, event: NewAuditEventRow) =>
  db.insertInto('audit_events').values(event),
);

/** One page of a resource's audit events, oldest first, in the given tenants only. */
export async function listAuditEvents(
  db: Kysely<Database>,
  tenantIds: string[],
  resourceId: string,
  page: PageRequest,
): Promise<AuditEventRow[]> {
  if (tenantIds.length === 0) return [];
  const query = db
    .selectFrom('audit_events')
    .selectAll()
    .where('resource_id', '=', resourceId)
    .where('tenant_id', 'in', tenantIds);
  return keysetPage(query, page).execute();
}
