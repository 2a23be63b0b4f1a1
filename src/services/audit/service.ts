import { listAuditEvents } from '../../../db/queries/audit.js';
import type { AuditEventRow } from '../../../db/tables/identity.js';
import type { GatewayContext } from '../../context.js';
import { ok, type Result } from '../../shared/result.js';
import { isUuid } from '../../shared/validate.js';
import { parsePage, readableTenants, toPage, type Page } from '../read-access.js';

export interface AuditEvent {
  id: string;
  tenantId: string;
  actorId: string;
  actorKind: string;
  resourceType: string;
  resourceId: string;
  operation: string;
  changedFields: string[];
  fromVersion: number;
  toVersion: number;
  requestId: string;
  createdAt: Date;
}

/** The audit row as the API shows it. */
export const toAuditEvent = (row: Omit<AuditEventRow, 'seq' | 'xid'>): AuditEvent => ({
  id: row.id,
  tenantId: row.tenant_id,
  actorId: row.actor_id,
  actorKind: row.actor_kind,
  resourceType: row.resource_type,
  resourceId: row.resource_id,
  operation: row.operation,
  changedFields: row.changed_fields,
  fromVersion: row.from_version,
  toVersion: row.to_version,
  requestId: row.request_id,
  createdAt: row.created_at,
});

/** A resource's audit trail, oldest first, from the tenants the caller may read. */
export async function auditEventPage(
  ctx: GatewayContext,
  resourceId: string,
  first: number | null | undefined,
  after: string | null | undefined,
): Promise<Result<Page<AuditEvent>>> {
  const tenants = await readableTenants(ctx);
  if (!tenants.ok) return tenants;
  const page = parsePage(first, after);
  if (!page.ok) return page;
  if (!isUuid(resourceId)) return ok({ items: [], endCursor: null, hasNextPage: false });
  const rows = await listAuditEvents(ctx.db, tenants.value, resourceId.toLowerCase(), page.value);
  const { items, ...info } = toPage(rows, page.value);
  return ok({ items: items.map(toAuditEvent), ...info });
}
