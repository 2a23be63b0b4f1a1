import type { Kysely } from 'kysely';
import type { Database } from '../../../db/database.js';
import {
  appendConnectionClient,
  bumpNexusConnection,
  connectionClientsByConnections,
  getConnectionClient,
  getNexusClient,
  getNexusConnection,
  listNexusConnections,
  listNexusConnectionsWithParts,
  lockNexusConnection,
  type NexusConnectionPageParts,
  setConnectionClientEnabled as writeConnectionClientEnabled,
  type NexusConnectionClientView,
} from '../../../db/queries/nexus.js';
import type { NexusClientRow, NexusConnectionRow } from '../../../db/tables/nexus.js';
import { hasPermission, type Permission, type Principal } from '../../auth/principal.js';
import type { GatewayContext } from '../../context.js';
import {
  fail,
  fieldChange,
  notFound,
  ok,
  type Failure,
  type Result,
  type MutationOutcome,
} from '../../shared/result.js';
import { isUuid } from '../../shared/validate.js';
import { runMutation, wouldBeRow, type MutationOptions } from '../mutation.js';
import { authorizeTenantRead, tenantListPage, type Page } from '../read-access.js';
import { mapKnown } from '../../tenant-loaders.js';
import {
  validateSetConnectionClientEnabled,
  type SetConnectionClientEnabledArgs,
  type SetConnectionClientEnabledCommand,
} from './rules.js';
import {
  NEXUS_CLIENT,
  NEXUS_CONNECTION,
  toConnectionClient,
  toNexusConnection,
  type ConnectionClient,
  type ConnectionClientEnabled,
  type NexusConnection,
} from './model.js';

/** Either of these lets a caller toggle a client: `client.write` only for clients it owns. */
export const CLIENT_WRITE_PERMISSIONS: readonly Permission[] = ['client.write', 'client.write.all'];

/**
 * Enables or disables one client of the tenant on one connection (the seed's "enabled
 * clients" model). `client.write.all` may set any client of the tenant, `client.write` only a
 * client the caller owns. Enabling a client that is not on the connection's list appends it,
 * enabled, at the end; disabling one that is not there changes nothing. Setting the value it
 * already has is a successful no-op (no version, no audit event); a change bumps the
 * connection's version and is audited as a change of `clients`. A client the tenant does not
 * have is `NotFoundError Client`.
 */
export async function setConnectionClientEnabled(
  ctx: GatewayContext,
  args: SetConnectionClientEnabledArgs,
  options: MutationOptions = {},
): Promise<Result<MutationOutcome<ConnectionClientEnabled>>> {
  const result = await runMutation(
    ctx,
    {
      resourceType: NEXUS_CONNECTION,
      operation: 'setConnectionClientEnabled',
      resourceId: args.connectionId,
      scope: { tenantId: args.tenantId },
      arguments: args,
      permissions: CLIENT_WRITE_PERMISSIONS,
      authorize: authorizeClientWrite,
      validate: () => validateSetConnectionClientEnabled(args),
      lock: (trx, [tenantId], cmd) => lockNexusConnection(trx, tenantId, cmd.connectionId),
      withOwnLists: async (trx, value: ConnectionClientEnabled) => {
        const { tenantId, id } = value.connection;
        const rows = await connectionClientsByConnections(trx, tenantId, [id]);
        return {
          ...value,
          connection: { ...value.connection, clients: rows.map(toConnectionClient) },
        };
      },
      expectedVersion: (cmd) => cmd.expectedVersion,
      plan: async (trx, row, cmd) => {
        // The client row is read FOR SHARE: the permission was decided before the transaction,
        // and a decision by ownership is made again on this row, so an ownership change that
        // committed in between is seen and none (nor a delete) can commit before this write.
        const principal = await ctx.principal();
        const client = await getNexusClient(trx, row.tenant_id, cmd.clientId, 'share');
        const denied = principal
          ? decideClientWrite(principal, row.tenant_id, client)
          : clientWriteDenied();
        if (denied) return fail(denied);
        if (!client) return fail(notFound(NEXUS_CLIENT, cmd.clientId));
        // Under the connection's FOR UPDATE lock: a concurrent call on this connection has
        // either committed its entry (and READ COMMITTED shows it here) or not begun.
        const entry = await getConnectionClient(trx, row.tenant_id, row.id, cmd.clientId);
        const current = entry?.enabled ?? false;
        // The payload reports the client this plan found, with its state after the call.
        const output = (stored: NexusConnectionRow): ConnectionClientEnabled => ({
          connection: toNexusConnection(stored),
          client: { id: client.id, name: client.name },
          enabled: cmd.enabled,
        });
        if (current === cmd.enabled) {
          const unchanged = async () => output(row);
          return ok({ changes: [], write: async () => row, output, preview: unchanged });
        }
        return ok({
          output,
          // The list's change, told by the one entry it changes (or adds).
          changes: [
            fieldChange(
              'clients',
              { clientId: cmd.clientId, enabled: entry ? entry.enabled : null },
              { clientId: cmd.clientId, enabled: cmd.enabled },
            ),
          ],
          write: async (trx, version) => {
            if (entry) {
              await writeConnectionClientEnabled(
                trx,
                row.tenant_id,
                row.id,
                cmd.clientId,
                cmd.enabled,
              );
            } else {
              await appendConnectionClient(trx, row.tenant_id, row.id, cmd.clientId, cmd.enabled);
            }
            return bumpNexusConnection(trx, row.tenant_id, row.id, version);
          },
          // The would-be list is the connection's own: read in the transaction, changed here.
          preview: async (trx, version) => {
            const stored = await connectionClientsByConnections(trx, row.tenant_id, [row.id]);
            const clients = stored.map(toConnectionClient);
            const target = clients.find((c) => c.client.id === cmd.clientId);
            if (target) target.enabled = cmd.enabled;
            else
              clients.push({ client: { id: client.id, name: client.name }, enabled: cmd.enabled });
            const value = output(wouldBeRow(row, {}, version));
            return { ...value, connection: { ...value.connection, clients } };
          },
        });
      },
    },
    options,
  );
  if (result.ok) {
    const { connection } = result.value.value;
    ctx.loaders.nexusConnectionClients.clear({ tenantId: connection.tenantId, id: connection.id });
  }
  return result;
}

/**
 * The permission check of `setConnectionClientEnabled` (it replaces the plain permission
 * list), before the transaction: `client.write.all` allows any client; `client.write` only a
 * client of the tenant whose owner is the caller. Anything else, including a `client.write`
 * caller naming a client that does not exist, is PERMISSION_DENIED naming both permissions,
 * since permission comes before existence. `db` is the one the pipeline passes (never
 * `ctx.db`). `plan` decides again on the client row read FOR SHARE.
 */
async function authorizeClientWrite(
  db: Kysely<Database>,
  principal: Principal,
  tenantId: string,
  cmd: SetConnectionClientEnabledCommand,
): Promise<Failure | null> {
  if (hasPermission(principal, tenantId, ['client.write.all'])) return null;
  const client = hasPermission(principal, tenantId, ['client.write'])
    ? await getNexusClient(db, tenantId, cmd.clientId)
    : undefined;
  return decideClientWrite(principal, tenantId, client);
}

/** The decision itself, on the client row as read (undefined: the tenant has no such client). */
function decideClientWrite(
  principal: Principal,
  tenantId: string,
  client: NexusClientRow | undefined,
): Failure | null {
  if (hasPermission(principal, tenantId, ['client.write.all'])) return null;
  if (
    hasPermission(principal, tenantId, ['client.write']) &&
    client &&
    client.owner_principal_id === principal.id
  ) {
    return null;
  }
  return clientWriteDenied();
}

const clientWriteDenied = (): Failure => ({
  kind: 'PermissionDenied',
  code: 'PERMISSION_DENIED',
  requiredPermissions: [...CLIENT_WRITE_PERMISSIONS],
});

/** One page of a tenant's Nexus connections; needs `connections:read` in the tenant. */
export async function nexusConnectionPage(
  ctx: GatewayContext,
  tenantId: string,
  first: number | null | undefined,
  after: string | null | undefined,
  parts: NexusConnectionPageParts = {},
): Promise<Result<Page<NexusConnection>>> {
  return tenantListPage(
    ctx,
    { id: tenantId, path: ['tenantId'] },
    {
      scope: { list: 'nexusConnections', args: [tenantId] },
      first,
      after,
      list: async (page) => {
        if (!parts.clients) return listNexusConnections(ctx.db, tenantId, page);
        const read = await listNexusConnectionsWithParts(ctx.db, tenantId, page, parts);
        // Every connection of the page, so one without clients gets its empty list too.
        ctx.loaders.nexusConnectionClients.primeRows(
          tenantId,
          read.rows.map((row) => row.id),
          read.parts.clients as never,
        );
        return read.rows;
      },
      toItem: toNexusConnection,
    },
  );
}

/** One Nexus connection of a tenant, `null` when it does not exist there (or the id is malformed). */
export async function nexusConnectionById(
  ctx: GatewayContext,
  tenantId: string,
  connectionId: string,
): Promise<Result<NexusConnection | null>> {
  const access = await authorizeTenantRead(ctx, tenantId, ['tenantId']);
  if (!access.ok) return access;
  if (!isUuid(connectionId)) return ok(null);
  const row = await getNexusConnection(ctx.db, tenantId, connectionId.toLowerCase());
  return ok(row ? toNexusConnection(row) : null);
}

/**
 * A connection's client list, in stored `position` order, through the per-request loader:
 * the list itself when a page read it (or an earlier batch loaded it), else its promise.
 */
export function connectionClients(
  ctx: GatewayContext,
  connection: NexusConnection,
): ConnectionClient[] | Promise<ConnectionClient[]> {
  if (connection.clients) return connection.clients;
  const rows = ctx.loaders.nexusConnectionClients.get({
    tenantId: connection.tenantId,
    id: connection.id,
  });
  const toClients = (found: NexusConnectionClientView[]) => found.map(toConnectionClient);
  return mapKnown(rows, toClients);
}
