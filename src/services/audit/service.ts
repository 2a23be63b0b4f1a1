import { listAuditEvents } from '../../../db/queries/audit.js';
import type { AuditEventRow } from '../../../db/tables/identity.js';
import type { GatewayContext } from '../../context.js';
import {
  fail,
  invalidInput,
  type FieldChange,
  type Result,
  type FieldError,
} from '../../shared/result.js';
import { checkText, isUuid } from '../../shared/validate.js';
import { LICENSED_RESOURCES } from '../licences.js';
import { authorizeTenantRead, listPage, readableTenants, type Page } from '../read-access.js';

export interface AuditEvent {
  id: string;
  tenantId: string;
  actorId: string;
  actorKind: string;
  resourceType: string;
  resourceId: string;
  operation: string;
  changedFields: string[];
  changes: FieldChange[];
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
  changes: Array.isArray(row.changes) ? (row.changes as FieldChange[]) : [],
  fromVersion: row.from_version,
  toVersion: row.to_version,
  requestId: row.request_id,
  createdAt: row.created_at,
});

/** What `auditEvents` filters by; at least one of `resourceId` and `tenantId`. */
export interface AuditEventQuery {
  resourceId: string | null;
  tenantId: string | null;
  resourceType: string | null;
  since: Date | null;
  descending: boolean;
}

/**
 * Audit events of one resource and/or one tenant, oldest (or newest) first, only from the
 * tenants the caller may read: a named tenant it may not read is refused like any tenant
 * read; a malformed or foreign resource id finds nothing. The events of OES connections come
 * only from tenants that hold the OES licence (like every OES read).
 */
export async function auditEventPage(
  ctx: GatewayContext,
  query: AuditEventQuery,
  first: number | null | undefined,
  after: string | null | undefined,
): Promise<Result<Page<AuditEvent>>> {
  const errors: FieldError[] = [];
  if (query.resourceId === null && query.tenantId === null) {
    errors.push({
      path: ['resourceId'],
      code: 'REQUIRED',
      message: 'give resourceId, tenantId or both',
    });
  }
  // A resource type is compared with stored text: one PostgreSQL cannot hold is refused.
  if (query.resourceType !== null) checkText(['resourceType'], query.resourceType, errors);
  if (errors.length > 0) {
    // Credentials come first in the check order.
    if (!(await ctx.principal())) {
      return fail({ kind: 'Authentication', message: 'valid credentials are required' });
    }
    return fail(invalidInput(errors));
  }
  let tenants: string[];
  if (query.tenantId !== null) {
    const access = await authorizeTenantRead(ctx, query.tenantId, ['tenantId']);
    if (!access.ok) return access;
    tenants = [query.tenantId];
  } else {
    const readable = await readableTenants(ctx);
    if (!readable.ok) return readable;
    tenants = readable.value;
  }
  return listPage(ctx, {
    scope: {
      list: 'auditEvents',
      args: [
        query.resourceId?.toLowerCase() ?? null,
        query.tenantId,
        query.resourceType,
        query.since?.toISOString() ?? null,
        query.descending ? 'desc' : 'asc',
      ],
    },
    first,
    after,
    list: async (page) =>
      query.resourceId !== null && !isUuid(query.resourceId)
        ? []
        : listAuditEvents(
            ctx.db,
            tenants,
            { ...query, resourceId: query.resourceId?.toLowerCase() ?? null },
            page,
            LICENSED_RESOURCES,
          ),
    toItem: toAuditEvent,
  });
}
