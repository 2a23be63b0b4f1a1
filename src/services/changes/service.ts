import { connectorIdOfConnection, type ChangeRow } from '../../../db/queries/changes.js';
import type { ChangeSubscription, SubscriberTooSlowError } from '../../changes/feed.js';
import type { LiveSession } from '../../changes/session.js';
import type { GatewayContext } from '../../context.js';
import { fail, invalidInput, ok, type Result } from '../../shared/result.js';
import { ORG_CONNECTION_RESOURCE } from '../apps/model.js';
import { orgConnectionById } from '../apps/service.js';
import { connectorConnectionById } from '../connectors/service.js';
import { DATABASE_CONNECTION, databaseConnectionById } from '../databases/service.js';
import { NEXUS_CONNECTION } from '../nexus/model.js';
import { nexusConnectionById } from '../nexus/service.js';
import { entitlementFor, OES_CONNECTION } from '../licences.js';
import { oesConnectionById } from '../oes/service.js';
import { authorizeTenantRead } from '../read-access.js';

export const CONNECTOR_CONNECTION = 'ConnectorConnection';

/**
 * Opens a subscription to a tenant's committed changes: signed in, `connections:read` in the
 * tenant, and a valid `after` (a cursor issued for this tenant). Changes of OES connections
 * reach it only while the tenant holds the OES licence (`licensedWhenRead`).
 */
export async function subscribeToChanges(
  ctx: GatewayContext,
  live: LiveSession,
  tenantId: string,
  after: string | null | undefined,
  onCut: (error: SubscriberTooSlowError) => void,
): Promise<Result<ChangeSubscription>> {
  const access = await authorizeTenantRead(ctx, tenantId, ['tenantId']);
  if (!access.ok) return access;
  let position;
  if (after != null) {
    position = live.feed.options.cursors.decode(after, tenantId) ?? undefined;
    if (!position)
      return fail(
        invalidInput([
          {
            path: ['after'],
            code: 'INVALID_CURSOR',
            message: 'is not a cursor this API issued for this tenant',
          },
        ]),
      );
  }
  return ok(
    live.feed.subscribe({
      tenantId,
      after: position,
      accepts: licensedWhenRead,
      onCut,
      prepare: live.prepare,
    }),
  );
}

/**
 * A change of a licensed resource type reaches a subscriber only when its tenant held the
 * licence in the snapshot that read the change (right after its commit when live, at replay
 * time when resuming): a licence withdrawn while a subscription is open stops that type's
 * changes from the next read on, and one granted starts them, with no recheck to wait for and
 * no query of its own (the read brings the tenant's entitlements along).
 */
function licensedWhenRead(row: ChangeRow): boolean {
  const entitlement = entitlementFor(row.resource_type);
  return !entitlement || row.tenant_entitlements.includes(entitlement);
}

/**
 * What one delivery read of a change's connection found, shared by every subscriber of this
 * process that the change is delivered to (the feed hands them the same row). Every one of
 * them may read it: each is checked on its own first (`connectionOfChange`), and what is read
 * does not depend on who reads it. Without this, 100 subscribers meant 100 reads per change.
 * Bound: one entry per change row still referenced (a `WeakMap`).
 */
const sharedReads = new WeakMap<
  ChangeRow,
  Promise<Result<{ kind: string; value: object } | null>>
>();

/**
 * The connection a change is about, as it is now (null when it no longer exists), for one
 * subscriber: its own access to the tenant (and the licence the resource type needs) is checked
 * here, and the connection is read once per change for all the subscribers it reaches.
 */
export async function connectionOfChange(
  ctx: GatewayContext,
  row: ChangeRow,
): Promise<Result<{ kind: string; value: object } | null>> {
  const entitlement = entitlementFor(row.resource_type);
  const access = await authorizeTenantRead(ctx, row.tenant_id, ['tenantId'], entitlement);
  if (!access.ok) return access;
  let shared = sharedReads.get(row);
  if (!shared) sharedReads.set(row, (shared = readConnectionOfChange(ctx, row)));
  const found = await shared.catch(() => undefined);
  // A read refused for the subscriber that made it, or one that failed (the database away for
  // a moment), is no answer for the others: they read again.
  if (!found?.ok) {
    sharedReads.delete(row);
    return readConnectionOfChange(ctx, row);
  }
  return found;
}

/** Reads the connection a change is about with `ctx`'s rights. */
async function readConnectionOfChange(
  ctx: GatewayContext,
  row: ChangeRow,
): Promise<Result<{ kind: string; value: object } | null>> {
  const tenantId = row.tenant_id;
  const id = row.resource_id;
  let result: Result<object | null>;
  switch (row.resource_type) {
    case OES_CONNECTION:
      result = await oesConnectionById(ctx, tenantId, id);
      break;
    case NEXUS_CONNECTION:
      result = await nexusConnectionById(ctx, tenantId, id);
      break;
    case ORG_CONNECTION_RESOURCE:
      result = await orgConnectionById(ctx, tenantId, id);
      break;
    case DATABASE_CONNECTION:
      result = await databaseConnectionById(ctx, id);
      break;
    case CONNECTOR_CONNECTION: {
      const connectorId = await connectorIdOfConnection(ctx.db, tenantId, id);
      result = connectorId
        ? await connectorConnectionById(ctx, tenantId, connectorId, id)
        : ok(null);
      break;
    }
    default:
      throw new Error(`a change event names an unknown resource type ${row.resource_type}`);
  }
  if (!result.ok) return result;
  return ok(result.value ? { kind: row.resource_type, value: result.value } : null);
}
