import {
  getOesConnection,
  listOesConnections,
  listOesConnectionsWithParts,
  lockOesConnection,
  type OesConnectionPageParts,
  updateOesConnection as writeOesConnection,
} from '../../../db/queries/oes.js';
import type { OesConnectionUpdate } from '../../../db/tables/oes.js';
import type { GatewayContext } from '../../context.js';
import { fieldChange, ok, type Result, type MutationOutcome } from '../../shared/result.js';
import { isUuid } from '../../shared/validate.js';
import { OES_CONNECTION, OES_ENTITLEMENT } from '../licences.js';
import { runMutation, wouldBeRow, type MutationOptions } from '../mutation.js';
import { authorizeTenantRead, tenantListPage, type Page } from '../read-access.js';
import { toOesConnection, type OesConnection } from './model.js';
import { validateUpdateOesConnection, type UpdateOesConnectionArgs } from './rules.js';

/**
 * Renames and/or (de)activates a connection. Deactivating stops new allocations to it;
 * deallocations keep working (nothing here touches allocations).
 */
export async function updateOesConnection(
  ctx: GatewayContext,
  args: UpdateOesConnectionArgs,
  options: MutationOptions = {},
): Promise<Result<MutationOutcome<OesConnection>>> {
  return runMutation(
    ctx,
    {
      resourceType: OES_CONNECTION,
      operation: 'updateOesConnection',
      resourceId: args.connectionId,
      scope: { tenantId: args.enterpriseId },
      arguments: args,
      permissions: ['connections:write'],
      entitlement: OES_ENTITLEMENT,
      validate: () => validateUpdateOesConnection(args),
      lock: (trx, [tenantId], cmd) => lockOesConnection(trx, tenantId, cmd.connectionId),
      expectedVersion: (cmd) => cmd.expectedVersion,
      plan: async (_trx, row, cmd) => {
        const changes: OesConnectionUpdate = {};
        if (cmd.name !== undefined && cmd.name !== row.name) changes.name = cmd.name;
        if (cmd.active !== undefined && cmd.active !== row.active) changes.active = cmd.active;
        return ok({
          changes: (Object.keys(changes) as (keyof typeof changes)[]).map((field) =>
            fieldChange(field, row[field as 'name' | 'active'], changes[field]),
          ),
          write: (trx, version) =>
            writeOesConnection(trx, row.tenant_id, row.id, { ...changes, version }),
          output: toOesConnection,
          preview: async (_trx, version) => toOesConnection(wouldBeRow(row, changes, version)),
        });
      },
    },
    options,
  );
}

export async function oesConnectionPage(
  ctx: GatewayContext,
  enterpriseId: string,
  first: number | null | undefined,
  after: string | null | undefined,
  parts: OesConnectionPageParts = {},
): Promise<Result<Page<OesConnection>>> {
  return tenantListPage(
    ctx,
    { id: enterpriseId, path: ['enterpriseId'], entitlement: OES_ENTITLEMENT },
    {
      scope: { list: 'oesConnections', args: [enterpriseId] },
      first,
      after,
      list: async (page) => {
        if (!parts.partners) return listOesConnections(ctx.db, enterpriseId, page);
        const read = await listOesConnectionsWithParts(ctx.db, enterpriseId, page, parts);
        // Keyed as the loader would have asked: each partner of the page once.
        ctx.loaders.oesPartner.primeRows(
          enterpriseId,
          read.rows.map((row) => row.partner_id),
          read.parts.partners as never,
        );
        return read.rows;
      },
      toItem: toOesConnection,
    },
  );
}

export async function oesConnectionById(
  ctx: GatewayContext,
  enterpriseId: string,
  connectionId: string,
): Promise<Result<OesConnection | null>> {
  const access = await authorizeTenantRead(ctx, enterpriseId, ['enterpriseId'], OES_ENTITLEMENT);
  if (!access.ok) return access;
  if (!isUuid(connectionId)) return ok(null);
  const row = await getOesConnection(ctx.db, enterpriseId, connectionId.toLowerCase());
  return ok(row ? toOesConnection(row) : null);
}
