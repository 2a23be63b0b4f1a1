import { randomUUID } from 'node:crypto';
import {
  appsComplete,
  authConfigsOfApp,
  getOrgConnection,
  listOrgConnections,
  listOrgConnectionsWithParts,
  lockOrgConnection,
  shareLockApp,
  updateOrgConnection,
  type OrgConnectionPageParts,
  type OrgConnectionUpdate,
} from '../../../db/queries/apps.js';
import type { AppRow, OrgConnectionRow } from '../../../db/tables/apps.js';
import type { GatewayContext } from '../../context.js';
import { sealingContext } from '../../crypto/sealed-columns.js';
import type { SecretContext } from '../../crypto/secret-box.js';
import {
  conflict,
  fail,
  fieldChange,
  invalidInput,
  ok,
  secretFieldChange,
  type Result,
  type MutationOutcome,
} from '../../shared/result.js';
import { isUuid } from '../../shared/validate.js';
import {
  NOT_SEALED_IN_DRY_RUN,
  runMutation,
  wouldBeRow,
  type MutationOptions,
} from '../mutation.js';
import { authorizeTenantRead, tenantListPage, type Page } from '../read-access.js';
import {
  ORG_CONNECTION_RESOURCE,
  toApp,
  toOrgConnection,
  type App,
  type OrgConnection,
} from './model.js';
import {
  apiKeyAuthConfig,
  validateReplaceOrgConnection,
  type ReplaceOrgConnectionArgs,
} from './rules.js';

/** The context an org connection's API key is sealed under (`SEALED_COLUMNS`). */
function apiKeyContext(tenantId: string, connectionId: string): SecretContext {
  return sealingContext('org_connections.api_key_enc', { tenantId, id: connectionId });
}

/**
 * Replaces an org connection (PUT): its name and its API-key credential, authenticated through
 * the App's valid `apikey` auth config. A deleted App is a conflict (`APP_DELETED`); an App
 * without a valid `apikey` config cannot take an API key (`InvalidInputError` at
 * `["input","data"]`). A new key is sealed anew and gets a new `credentialId`; the stored key is
 * opened only to learn whether the replace changes anything (a replace that changes nothing
 * writes nothing). The audit event names the changed fields (`name`, `apiKey`, `authConfig`),
 * never their values.
 */
export async function replaceOrgConnection(
  ctx: GatewayContext,
  args: ReplaceOrgConnectionArgs,
  options: MutationOptions = {},
): Promise<Result<MutationOutcome<OrgConnection>>> {
  return runMutation(
    ctx,
    {
      resourceType: ORG_CONNECTION_RESOURCE,
      operation: 'replaceOrgConnection',
      resourceId: args.connectionId,
      scope: { tenantId: args.organisationId },
      arguments: args,
      secretArguments: [['input', 'data', 'apiKey']],
      permissions: ['connections:write'],
      validate: () => validateReplaceOrgConnection(args),
      lock: (trx, [tenantId], cmd) => lockOrgConnection(trx, tenantId, cmd.connectionId),
      expectedVersion: (cmd) => cmd.expectedVersion,
      plan: async (trx, row, cmd) => {
        const app = await shareLockApp(trx, row.tenant_id, row.app_id);
        if (!app) throw new Error(`app ${row.app_id} of org connection ${row.id} is missing`);
        if (app.deleted_at !== null) {
          return fail(conflict('APP_DELETED', 'The App of this connection has been deleted.'));
        }
        const authConfig = apiKeyAuthConfig(
          await authConfigsOfApp(trx, row.tenant_id, row.app_id),
          row.auth_config_id,
        );
        if (!authConfig) {
          return fail(
            invalidInput([
              {
                path: ['input', 'data'],
                code: 'UNSUPPORTED_AUTH_TYPE',
                message: 'the App of this connection has no valid apikey auth config',
              },
            ]),
          );
        }

        const secretContext = apiKeyContext(row.tenant_id, row.id);
        const keyChanged = !storedKeyEquals(ctx, row, secretContext, cmd.apiKey);
        const changes: OrgConnectionUpdate = {};
        if (cmd.name !== row.name) changes.name = cmd.name;
        // The new key is sealed only when written: a dry run never seals it.
        if (keyChanged) changes.credential_id = randomUUID();
        const sealedKey = () =>
          keyChanged ? { api_key_enc: ctx.secrets.seal(cmd.apiKey, secretContext) } : {};
        if (authConfig.id !== row.auth_config_id) changes.auth_config_id = authConfig.id;
        const fieldChanges = [
          ...(changes.name !== undefined ? [fieldChange('name', row.name, changes.name)] : []),
          ...(keyChanged ? [secretFieldChange('apiKey')] : []),
          ...(changes.auth_config_id !== undefined
            ? [fieldChange('authConfig', row.auth_config_id, changes.auth_config_id)]
            : []),
        ];
        return ok({
          changes: fieldChanges,
          write: (trx, version) =>
            updateOrgConnection(trx, row.tenant_id, row.id, {
              ...changes,
              ...sealedKey(),
              version,
            }),
          output: toOrgConnection,
          preview: async (_trx, version) =>
            toOrgConnection(
              wouldBeRow(
                row,
                { ...changes, ...(keyChanged ? { api_key_enc: NOT_SEALED_IN_DRY_RUN } : {}) },
                version,
              ),
            ),
        });
      },
    },
    options,
  );
}

/**
 * Whether the stored API key equals `apiKey`. A stored key that does not open (e.g. sealed
 * under a retired key) counts as different, so the replace repairs it; the failure is logged
 * without the secret.
 */
function storedKeyEquals(
  ctx: GatewayContext,
  row: OrgConnectionRow,
  secretContext: SecretContext,
  apiKey: string,
): boolean {
  if (row.api_key_enc === null) return false;
  const comparison = ctx.secrets.compare(row.api_key_enc, apiKey, secretContext);
  if (comparison === 'unreadable') {
    ctx.logger.warn({ connectionId: row.id }, 'stored API key did not open; replacing it');
  }
  return comparison === 'same';
}

/** One page of an organisation's connections, for readers of that organisation. */
export async function orgConnectionPage(
  ctx: GatewayContext,
  organisationId: string,
  first: number | null | undefined,
  after: string | null | undefined,
  parts: OrgConnectionPageParts = {},
): Promise<Result<Page<OrgConnection>>> {
  // Apps read without some of their JSON columns: not whole Apps, so they answer only the
  // `app` field of this page's items (`pageApps`), never the shared `app` loader.
  let trimmedApps: Map<string, App> | undefined;
  return tenantListPage(
    ctx,
    { id: organisationId, path: ['organisationId'] },
    {
      scope: { list: 'orgConnections', args: [organisationId] },
      first,
      after,
      list: async (page) => {
        if (!parts.apps && !parts.appAuthConfigs && !parts.authConfigs && !parts.boards)
          return listOrgConnections(ctx.db, organisationId, page);
        const read = await listOrgConnectionsWithParts(ctx.db, organisationId, page, parts);
        const rows = read.rows;
        const loaders = ctx.loaders;
        const appIds = rows.map((row) => row.app_id);
        if (parts.apps && appsComplete(parts))
          loaders.app.primeRows(organisationId, appIds, read.parts.apps as never);
        else if (parts.apps)
          trimmedApps = byId((read.parts.apps as unknown as AppRow[]).map(toApp));
        if (parts.appAuthConfigs)
          loaders.appAuthConfigs.primeRows(
            organisationId,
            appIds,
            read.parts.appAuthConfigs as never,
          );
        if (parts.authConfigs)
          loaders.appAuthConfig.primeRows(
            organisationId,
            rows.flatMap((row) => (row.auth_config_id ? [row.auth_config_id] : [])),
            read.parts.authConfigs as never,
          );
        if (parts.boards)
          loaders.orgConnectionBoards.primeRows(
            organisationId,
            rows.map((row) => row.id),
            read.parts.boards as never,
          );
        return rows;
      },
      toItem: (row) => {
        const item = toOrgConnection(row);
        const app = trimmedApps?.get(row.app_id);
        if (app !== undefined) ctx.loaders.pageApps.set(item, app);
        return item;
      },
    },
  );
}

const byId = <T extends { id: string }>(values: T[]) => new Map(values.map((v) => [v.id, v]));

/** One connection of an organisation, or `null` (also for a malformed id). */
export async function orgConnectionById(
  ctx: GatewayContext,
  organisationId: string,
  connectionId: string,
): Promise<Result<OrgConnection | null>> {
  const access = await authorizeTenantRead(ctx, organisationId, ['organisationId']);
  if (!access.ok) return access;
  if (!isUuid(connectionId)) return ok(null);
  const row = await getOrgConnection(ctx.db, organisationId, connectionId.toLowerCase());
  return ok(row ? toOrgConnection(row) : null);
}
