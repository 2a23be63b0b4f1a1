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

/** Named: every mutation that changes something runs it (it returns no columns). */
const insertAudit = prepared(
  (db, event: NewAuditEventRow) => db.insertInto('audit_events').values(event),
  { named: true },
);

/** Which audit events a list shows (within `tenantIds`, the tenants the caller may read). */
export interface AuditEventFilter {
  resourceId: string | null;
  tenantId: string | null;
  resourceType: string | null;
  since: Date | null;
  descending: boolean;
}

/**
 * One page of audit events matching `filter`, in the given tenants only, leaving out the
 * events of a licensed resource type in a tenant without that licence:
 *
 * ```sql
 * select * from audit_events
 *  where tenant_id = any($1) [and resource_id = $2] [and tenant_id = $3] [...]
 *    and (resource_type <> 'OesConnection' or exists (select 1 from tenant_entitlements te
 *         where te.tenant_id = audit_events.tenant_id and te.entitlement = 'oes'))
 * ```
 */
export async function listAuditEvents(
  db: Kysely<Database>,
  tenantIds: string[],
  filter: AuditEventFilter,
  page: PageRequest,
  licensed: readonly { resourceType: string; entitlement: string }[],
): Promise<AuditEventRow[]> {
  if (tenantIds.length === 0) return [];
  let query = db
    .selectFrom('audit_events')
    .selectAll()
    .where('tenant_id', 'in', tenantIds)
    .where((eb) =>
      eb.and(
        licensed.map(({ resourceType, entitlement }) =>
          eb.or([
            eb('resource_type', '<>', resourceType),
            eb.exists(
              eb
                .selectFrom('tenant_entitlements as te')
                .select(eb.lit(1).as('one'))
                .whereRef('te.tenant_id', '=', 'audit_events.tenant_id')
                .where('te.entitlement', '=', entitlement),
            ),
          ]),
        ),
      ),
    );
  if (filter.resourceId !== null) query = query.where('resource_id', '=', filter.resourceId);
  if (filter.tenantId !== null) query = query.where('tenant_id', '=', filter.tenantId);
  if (filter.resourceType !== null) query = query.where('resource_type', '=', filter.resourceType);
  if (filter.since !== null) query = query.where('created_at', '>=', filter.since);
  return keysetPage(query, page, filter.descending ? 'desc' : 'asc').execute();
}
