import type { Transaction } from 'kysely';
import type { Database } from '../../../db/database.js';
import {
  authSchemeConfigsOfConnector,
  connectionCredentialsByConnections,
  connectionNameTaken,
  connectionVariablesByConnections,
  connectorExists,
  getConnectorConnection,
  listConnectorConnections,
  listConnectorConnectionsWithParts,
  type ConnectorConnectionPageParts,
  lockConnectionName,
  lockConnectorConnection,
  replaceConnectionVariables,
  slotsOfConnection,
  updateConnectionSlots,
  updateConnectorConnection as writeConnectorConnection,
  type ConnectionSlotRow,
  type ConnectionCredentialReadRow,
  type CredentialUsagePairRow,
} from '../../../db/queries/connectors.js';
import type { ConnectorConnectionRow } from '../../../db/tables/connectors.js';
import type { GatewayContext } from '../../context.js';
import {
  conflict,
  fail,
  fieldChange,
  invalidInput,
  notFound,
  ok,
  type FieldChange,
  type Result,
  type MutationOutcome,
} from '../../shared/result.js';
import { isUuid } from '../../shared/validate.js';
import { runMutation, wouldBeRow, type Change, type MutationOptions } from '../mutation.js';
import { authorizeTenantRead, tenantListPage, type Page } from '../read-access.js';
import {
  planCredentialOrder,
  sameVariables,
  validateUpdateConnectorConnection,
  type SlotUpdate,
  type UpdateConnectorConnectionArgs,
  type UpdateConnectorConnectionCommand,
} from './rules.js';
import {
  toConnectionCredentials,
  toConnectionVariable,
  toConnectorConnection,
  toCredentialUsage,
  type ConnectionCredentials,
  type ConnectorConnection,
  type CredentialUsage,
} from './model.js';

/**
 * Renames a connector connection, reorders its action and trigger credentials and switches
 * each one's auth scheme config (same scheme type), and replaces its variables, in one
 * transaction under the connection's row lock. The set of credentials never changes here.
 * A connector missing from the tenant is `NotFound(Connector)`; a connection missing under
 * that connector is `NotFound(ConnectorConnection)`.
 */
export async function updateConnectorConnection(
  ctx: GatewayContext,
  args: UpdateConnectorConnectionArgs,
  options: MutationOptions = {},
): Promise<Result<MutationOutcome<ConnectorConnection>>> {
  const result = await runMutation(
    ctx,
    {
      resourceType: 'ConnectorConnection',
      operation: 'updateConnectorConnection',
      resourceId: args.connectionId,
      scope: { tenantId: args.organisationId },
      arguments: args,
      permissions: ['connections:write'],
      validate: () => validateUpdateConnectorConnection(args),
      lock: (trx, [tenantId], cmd) =>
        lockConnectorConnection(trx, tenantId, cmd.connectorId, cmd.connectionId),
      notFound: async (trx, [tenantId], cmd) =>
        (await connectorExists(trx, tenantId, cmd.connectorId))
          ? notFound('ConnectorConnection', args.connectionId)
          : notFound('Connector', args.connectorId),
      expectedVersion: (cmd) => cmd.expectedVersion,
      plan: planUpdate,
      withOwnLists: async (trx, connection) => {
        const { organisationId: tenantId, id } = connection;
        const [slots, variables] = [
          await connectionCredentialsByConnections(trx, tenantId, [id]),
          await connectionVariablesByConnections(trx, tenantId, [id]),
        ];
        return {
          ...connection,
          credentials: toConnectionCredentials(slots),
          variables: variables.map(toConnectionVariable),
        };
      },
    },
    options,
  );
  if (result.ok) forgetConnection(ctx, result.value.value, result.value.validateOnly);
  return result;
}

/**
 * The service rules against the locked row, then the diff. Input rules that need data (the
 * credential lists against the current slots and the connector's configs) are reported
 * together as `InvalidInput`; then the name must be free within the connector (checked under
 * an advisory lock on that name, so two concurrent renames to one name serialize).
 */
async function planUpdate(
  trx: Transaction<Database>,
  row: ConnectorConnectionRow,
  cmd: UpdateConnectorConnectionCommand,
): Promise<Result<Change<ConnectorConnectionRow, ConnectorConnection>>> {
  const changes: FieldChange[] = [];

  let slotUpdates: SlotUpdate[] = [];
  let slots: ConnectionSlotRow[] = [];
  if (cmd.credentials) {
    slots = await slotsOfConnection(trx, row.tenant_id, row.id);
    const requestedConfigIds = [...cmd.credentials.action, ...cmd.credentials.trigger].map(
      (s) => s.authSchemeConfigId,
    );
    const configs = await authSchemeConfigsOfConnector(trx, row.tenant_id, row.connector_id, [
      ...new Set(requestedConfigIds),
    ]);
    const planned = planCredentialOrder(
      slots.map((s) => ({
        id: s.id,
        kind: s.kind,
        position: s.position,
        authSchemeConfigId: s.auth_scheme_config_id,
        schemeType: s.scheme_type,
      })),
      configs.map((c) => ({ id: c.id, schemeType: c.scheme_type })),
      cmd.credentials,
    );
    if ('fieldErrors' in planned) return fail(invalidInput(planned.fieldErrors));
    if (planned.changed) slotUpdates = planned.updates;
  }

  const rename = cmd.name !== row.name;
  if (rename) {
    await lockConnectionName(trx, row.tenant_id, row.connector_id, cmd.name);
    if (await connectionNameTaken(trx, row.tenant_id, row.connector_id, cmd.name, row.id)) {
      return fail(
        conflict('NAME_TAKEN', 'Another connection of this connector already has this name.'),
      );
    }
    changes.push(fieldChange('name', row.name, cmd.name));
  }
  if (slotUpdates.length > 0) {
    changes.push(
      fieldChange(
        'credentials',
        slotOrder(slots),
        slotOrder(reorderedSlotRows(slots, slotUpdates)),
      ),
    );
  }

  const variables = cmd.variables;
  let variablesChange = false;
  if (variables) {
    const current = await connectionVariablesByConnections(trx, row.tenant_id, [row.id]);
    variablesChange = !sameVariables(current, variables);
    if (variablesChange) {
      const asList = (list: readonly { name: string; value: string }[]) =>
        list.map((v) => ({ name: v.name, value: v.value }));
      changes.push(fieldChange('variables', asList(current), asList(variables)));
    }
  }

  return ok({
    changes,
    write: async (trx, version) => {
      if (slotUpdates.length > 0) {
        await updateConnectionSlots(trx, row.tenant_id, row.id, slotUpdates);
      }
      if (variables && variablesChange) {
        await replaceConnectionVariables(trx, row.tenant_id, row.id, variables);
      }
      return writeConnectorConnection(trx, row.tenant_id, row.id, {
        ...(rename ? { name: cmd.name } : {}),
        version,
      });
    },
    output: toConnectorConnection,
    // Credentials and variables are the connection's own: the would-be lists, where they change.
    preview: async (_trx, version) => {
      const name = rename ? { name: cmd.name } : {};
      const connection = toConnectorConnection(wouldBeRow(row, name, version));
      if (slotUpdates.length > 0) connection.credentials = reorderedSlots(slots, slotUpdates);
      if (variables && variablesChange) connection.variables = variables;
      return connection;
    },
  });
}

/** The slots as `updateConnectionSlots` would leave them, each kind in its new order. */
function reorderedSlots(
  slots: readonly ConnectionSlotRow[],
  updates: readonly SlotUpdate[],
): ConnectionCredentials {
  return toConnectionCredentials(reorderedSlotRows(slots, updates));
}

function reorderedSlotRows(
  slots: readonly ConnectionSlotRow[],
  updates: readonly SlotUpdate[],
): ConnectionSlotRow[] {
  const byId = new Map(updates.map((u) => [u.id, u]));
  const moved = slots.map((slot) => {
    const update = byId.get(slot.id);
    return update
      ? { ...slot, position: update.position, auth_scheme_config_id: update.authSchemeConfigId }
      : slot;
  });
  return moved.sort((a, b) => a.position - b.position);
}

/** A credential list as the audit records it: per kind, the slots in order with their configs. */
function slotOrder(slots: readonly ConnectionSlotRow[]) {
  const { action, trigger } = toConnectionCredentials(slots);
  const entries = (list: typeof action) =>
    list.map((s) => ({ id: s.id, authSchemeConfigId: s.authSchemeConfigId }));
  return { action: entries(action), trigger: entries(trigger) };
}

/**
 * Drops what this request's loaders may hold about a connection that just changed (a request
 * can run several mutations), and primes the connection itself; after a dry run, remembers
 * the would-be connection for the credentials' `usages`.
 */
function forgetConnection(
  ctx: GatewayContext,
  connection: ConnectorConnection,
  wouldBe: boolean,
): void {
  const key = { tenantId: connection.organisationId, id: connection.id };
  if (wouldBe) ctx.loaders.wouldBeConnections.set(connection.id, connection);
  else ctx.loaders.wouldBeConnections.delete(connection.id);
  // Only the connection's own scalar fields are primed (a dry run's lists stay on it).
  const { credentials: _credentials, variables: _variables, ...stored } = connection;
  ctx.loaders.connectorConnection.clear(key).prime(key, stored);
  ctx.loaders.connectionCredentials.clear(key);
  ctx.loaders.connectionVariables.clear(key);
  ctx.loaders.credentialUsages.clearAll();
}

/**
 * One page of the tenant's connector connections, of one connector when `connectorId` is
 * given (an unknown or malformed connector id is an empty page, like a connector without
 * connections). Needs `connections:read`.
 */
export async function connectorConnectionPage(
  ctx: GatewayContext,
  organisationId: string,
  connectorId: string | null | undefined,
  first: number | null | undefined,
  after: string | null | undefined,
  parts: ConnectorConnectionPageParts = {},
): Promise<Result<Page<ConnectorConnection>>> {
  const connector = connectorId == null ? null : connectorId.toLowerCase();
  return tenantListPage(
    ctx,
    { id: organisationId, path: ['organisationId'] },
    {
      scope: { list: 'connectorConnections', args: [organisationId, connector] },
      first,
      after,
      list: async (page) => {
        if (connector != null && !isUuid(connector)) return [];
        if (!Object.values(parts).some(Boolean))
          return listConnectorConnections(ctx.db, organisationId, connector, page);
        const read = await listConnectorConnectionsWithParts(
          ctx.db,
          organisationId,
          connector,
          page,
          parts,
        );
        primeConnectorParts(ctx, organisationId, read.rows, read.parts);
        return read.rows;
      },
      toItem: toConnectorConnection,
    },
  );
}

/** One connection of one connector, or null (missing, malformed id, or another tenant's). */
export async function connectorConnectionById(
  ctx: GatewayContext,
  organisationId: string,
  connectorId: string,
  connectionId: string,
): Promise<Result<ConnectorConnection | null>> {
  const access = await authorizeTenantRead(ctx, organisationId, ['organisationId']);
  if (!access.ok) return access;
  if (!isUuid(connectorId) || !isUuid(connectionId)) return ok(null);
  const row = await getConnectorConnection(
    ctx.db,
    organisationId,
    connectorId.toLowerCase(),
    connectionId.toLowerCase(),
  );
  return ok(row ? toConnectorConnection(row) : null);
}

/**
 * Hands the page's usages to the credentials' usages loader, as its batch would have answered
 * them (each slot's credential known, in the connections' creation order), with one usage per
 * connection, shared by every credential it uses: the pairs name each connection by id, and
 * its row is the page's own or one of `others`.
 */
function primeUsages(
  ctx: GatewayContext,
  tenantId: string,
  credentialIds: readonly string[],
  pairs: readonly CredentialUsagePairRow[],
  rows: readonly ConnectorConnectionRow[],
  others: readonly ConnectorConnectionRow[],
): void {
  const rowOf = new Map<string, ConnectorConnectionRow>();
  for (const row of rows) rowOf.set(row.id, row);
  for (const row of others) rowOf.set(row.id, row);
  const usageOf = new Map<string, CredentialUsage>();
  const lists = new Map<string, CredentialUsage[]>();
  for (const id of credentialIds) lists.set(id, []);
  for (const { credential_id, connection_id } of pairs) {
    let usage = usageOf.get(connection_id);
    if (!usage) {
      const row = rowOf.get(connection_id);
      if (!row) throw new Error(`usage of credential ${credential_id}: connection not read`);
      usageOf.set(connection_id, (usage = toCredentialUsage(row)));
    }
    lists.get(credential_id)?.push(usage);
  }
  for (const [id, list] of lists) ctx.loaders.credentialUsages.primeIn(tenantId, id, list);
}

/**
 * Hands the parts a page was read with to the request's loaders, keyed as the loaders would
 * have asked for them: the nested fields then resolve without statements of their own.
 */
function primeConnectorParts(
  ctx: GatewayContext,
  tenantId: string,
  rows: ConnectorConnectionRow[],
  parts: Record<string, Record<string, unknown>[]>,
): void {
  const loaders = ctx.loaders;
  const ids = rows.map((row) => row.id);
  const slots = (parts.slots ?? []) as unknown as ConnectionCredentialReadRow[];
  const credentialIds = slots.map((slot) => slot.credential_id);
  const usages = parts.usages as unknown as CredentialUsagePairRow[] | undefined;
  const usageConnections = (parts.usageConnections ?? []) as unknown as ConnectorConnectionRow[];
  if (parts.slots) loaders.connectionCredentials.primeRows(tenantId, ids, slots);
  if (parts.variables)
    loaders.connectionVariables.primeRows(tenantId, ids, parts.variables as never);
  if (parts.authSchemeConfigs)
    loaders.authSchemeConfig.primeRows(
      tenantId,
      slots.map((slot) => slot.auth_scheme_config_id),
      parts.authSchemeConfigs as never,
    );
  if (parts.credentials)
    loaders.credential.primeRows(tenantId, credentialIds, parts.credentials as never);
  if (usages) primeUsages(ctx, tenantId, credentialIds, usages, rows, usageConnections);
  if (parts.connectors) {
    const connectorIds = rows.map((row) => row.connector_id);
    for (const row of usageConnections) connectorIds.push(row.connector_id);
    loaders.connector.primeRows(tenantId, connectorIds, parts.connectors as never);
  }
}
