import { createHash, randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from '../../db/database.js';
import {
  insertApp,
  insertAppAuthConfig,
  insertAuthSchemeConfig,
  insertBoardLink,
  insertConnectionCredential,
  insertConnectionVariables,
  insertConnector,
  insertConnectorConnection,
  insertCredential,
  insertDatabaseConnection,
  insertDatabaseJob,
  insertNexusClient,
  insertNexusConnection,
  insertNexusConnectionClients,
  insertOesConnection,
  insertOesPartner,
  insertOrgConnection,
  insertTenant,
  insertTenantEntitlements,
} from '../../db/queries/demo.js';
import { insertApiKey, insertPrincipal } from '../../db/queries/identity.js';
import { hashApiKey } from '../auth/api-keys.js';
import type { Permission } from '../auth/principal.js';
import { sealingContext } from '../crypto/sealed-columns.js';
import type { SecretBox } from '../crypto/secret-box.js';

/**
 * Whole objects, with defaults, for the demo data and the tests: this file makes the ids and
 * the rows and seals secrets exactly as the services do; the inserts are in
 * `db/queries/demo.ts` (there are no create mutations in the contract).
 */

/** A stable UUID derived from a name, so demo ids are the same on every machine. */
export function stableId(name: string): string {
  const h = createHash('sha256').update(name).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

export async function createTenant(
  db: Kysely<Database>,
  tenant: { id: string; name?: string; entitlements?: string[] },
): Promise<void> {
  await insertTenant(db, { id: tenant.id, name: tenant.name ?? tenant.id });
  if (tenant.entitlements?.length) {
    await insertTenantEntitlements(
      db,
      tenant.entitlements.map((entitlement) => ({ tenant_id: tenant.id, entitlement })),
    );
  }
}

/** A principal with one API key and memberships; returns the key (shown once). */
export async function createPrincipalWithKey(
  db: Kysely<Database>,
  p: {
    principalId: string;
    name?: string;
    key: string;
    memberships: { tenantId: string; permissions: Permission[] }[];
    expiresAt?: Date | null;
    keyId?: string;
  },
): Promise<{ key: string; keyId: string }> {
  await insertPrincipal(db, { id: p.principalId, name: p.name ?? p.principalId });
  const keyId = p.keyId ?? randomUUID();
  await insertApiKey(db, {
    id: keyId,
    principalId: p.principalId,
    name: `${p.name ?? p.principalId} key`,
    keyHash: hashApiKey(p.key),
    expiresAt: p.expiresAt ?? null,
    memberships: p.memberships,
  });
  return { key: p.key, keyId };
}

export async function createOesPartner(
  db: Kysely<Database>,
  p: { tenantId: string; id?: string; name: string },
): Promise<string> {
  const id = p.id ?? randomUUID();
  await insertOesPartner(db, { id, tenant_id: p.tenantId, name: p.name });
  return id;
}

export async function createOesConnection(
  db: Kysely<Database>,
  c: {
    tenantId: string;
    partnerId: string;
    id?: string;
    name: string;
    active?: boolean;
    createdAt?: Date;
  },
): Promise<string> {
  const id = c.id ?? randomUUID();
  await insertOesConnection(db, {
    id,
    tenant_id: c.tenantId,
    partner_id: c.partnerId,
    name: c.name,
    active: c.active ?? true,
    ...(c.createdAt ? { created_at: c.createdAt, updated_at: c.createdAt } : {}),
  });
  return id;
}

export async function createNexusClient(
  db: Kysely<Database>,
  c: { tenantId: string; id: string; name: string; ownerPrincipalId?: string | null },
): Promise<void> {
  await insertNexusClient(db, {
    tenant_id: c.tenantId,
    id: c.id,
    name: c.name,
    owner_principal_id: c.ownerPrincipalId ?? null,
  });
}

export async function createNexusConnection(
  db: Kysely<Database>,
  c: {
    tenantId: string;
    id?: string;
    name: string;
    clients: { clientId: string; enabled: boolean }[];
  },
): Promise<string> {
  const id = c.id ?? randomUUID();
  await insertNexusConnection(db, { id, tenant_id: c.tenantId, name: c.name });
  if (c.clients.length) {
    await insertNexusConnectionClients(
      db,
      c.clients.map((cl, position) => ({
        tenant_id: c.tenantId,
        connection_id: id,
        client_id: cl.clientId,
        enabled: cl.enabled,
        position,
      })),
    );
  }
  return id;
}

export async function createApp(
  db: Kysely<Database>,
  secrets: SecretBox,
  a: {
    tenantId: string;
    id?: string;
    name: string;
    deletedAt?: Date | null;
    authConfigs: {
      type: string;
      isValid: boolean;
      data?: Record<string, unknown>;
      secretData?: Record<string, string>;
    }[];
  },
): Promise<{ appId: string; authConfigIds: string[] }> {
  const appId = a.id ?? randomUUID();
  await insertApp(db, {
    id: appId,
    tenant_id: a.tenantId,
    name: a.name,
    deleted_at: a.deletedAt ?? null,
  });
  const authConfigIds: string[] = [];
  for (const [position, cfg] of a.authConfigs.entries()) {
    const id = a.id ? stableId(`${appId}/auth/${position}`) : randomUUID();
    authConfigIds.push(id);
    await insertAppAuthConfig(db, {
      id,
      tenant_id: a.tenantId,
      app_id: appId,
      position,
      type: cfg.type,
      is_valid: cfg.isValid,
      data: JSON.stringify(cfg.data ?? {}),
      secret_data_enc: cfg.secretData
        ? secrets.seal(
            JSON.stringify(cfg.secretData),
            sealingContext('app_auth_configs.secret_data_enc', { tenantId: a.tenantId, id }),
          )
        : null,
    });
  }
  return { appId, authConfigIds };
}

export async function createOrgConnection(
  db: Kysely<Database>,
  secrets: SecretBox,
  c: {
    tenantId: string;
    id?: string;
    appId: string;
    authConfigId?: string | null;
    name: string;
    apiKey?: string | null;
    boards?: string[];
  },
): Promise<string> {
  const id = c.id ?? randomUUID();
  await insertOrgConnection(db, {
    id,
    tenant_id: c.tenantId,
    app_id: c.appId,
    auth_config_id: c.authConfigId ?? null,
    name: c.name,
    credential_id: c.id ? stableId(`${id}/credential`) : randomUUID(),
    api_key_enc: c.apiKey
      ? secrets.seal(
          c.apiKey,
          sealingContext('org_connections.api_key_enc', { tenantId: c.tenantId, id }),
        )
      : null,
  });
  for (const boardName of c.boards ?? []) {
    const boardId = c.id ? stableId(`${c.tenantId}/board/${boardName}`) : randomUUID();
    await insertBoardLink(db, { id: boardId, tenant_id: c.tenantId, name: boardName }, id);
  }
  return id;
}

export async function createDatabaseConnection(
  db: Kysely<Database>,
  secrets: SecretBox,
  c: {
    tenantId: string;
    id?: string;
    name: string;
    type?: string;
    host?: string;
    port?: number;
    databaseName?: string;
    username?: string;
    password?: string | null;
    schema?: string | null;
    ssl?: Record<string, unknown> | null;
    metadata?: Record<string, string>;
    productName?: string | null;
  },
): Promise<string> {
  const id = c.id ?? randomUUID();
  await insertDatabaseConnection(db, {
    id,
    tenant_id: c.tenantId,
    name: c.name,
    type: c.type ?? 'POSTGRESQL',
    host: c.host ?? 'db.example.com',
    port: c.port ?? 5432,
    database_name: c.databaseName ?? 'app',
    username: c.username ?? 'app',
    password_enc: c.password
      ? secrets.seal(
          c.password,
          sealingContext('database_connections.password_enc', { tenantId: c.tenantId, id }),
        )
      : null,
    schema: c.schema ?? null,
    ssl: c.ssl ? JSON.stringify(c.ssl) : null,
    metadata: JSON.stringify(c.metadata ?? {}),
    product_name: c.productName ?? null,
  });
  return id;
}

export async function createDatabaseJob(
  db: Kysely<Database>,
  j: { tenantId: string; connectionId: string; status: string; id?: string },
): Promise<string> {
  const id = j.id ?? randomUUID();
  await insertDatabaseJob(db, {
    id,
    tenant_id: j.tenantId,
    connection_id: j.connectionId,
    status: j.status,
  });
  return id;
}

export interface ConnectorFixture {
  connectorId: string;
  /** schemeType → config ids (two alternatives each in the demo). */
  schemeConfigs: Record<string, string[]>;
  credentialIds: Record<string, string>;
  connectionId: string;
  actionIds: string[];
  triggerIds: string[];
}

/**
 * A connector with auth scheme configs, credentials and one connection that uses them:
 * `action` and `trigger` list `{ credential name, schemeType }` in order; every scheme type gets
 * `configsPerScheme` alternative configs, the connection starts on the first of each.
 */
export async function createConnectorWithConnection(
  db: Kysely<Database>,
  secrets: SecretBox,
  c: {
    tenantId: string;
    seed?: string;
    connectorName: string;
    protocol?: string;
    connectionName: string;
    action: { credential: string; schemeType: string }[];
    trigger: { credential: string; schemeType: string }[];
    configsPerScheme?: number;
    variables?: { name: string; value: string }[];
  },
): Promise<ConnectorFixture> {
  const id = (name: string) => (c.seed ? stableId(`${c.seed}/${name}`) : randomUUID());
  const connectorId = id('connector');
  await insertConnector(db, {
    id: connectorId,
    tenant_id: c.tenantId,
    name: c.connectorName,
    protocol: c.protocol ?? 'http',
  });

  const schemeConfigs: Record<string, string[]> = {};
  for (const { schemeType } of [...c.action, ...c.trigger]) {
    if (schemeConfigs[schemeType]) continue;
    schemeConfigs[schemeType] = [];
    for (let i = 0; i < (c.configsPerScheme ?? 2); i++) {
      const configId = id(`scheme/${schemeType}/${i}`);
      schemeConfigs[schemeType].push(configId);
      await insertAuthSchemeConfig(db, {
        id: configId,
        tenant_id: c.tenantId,
        connector_id: connectorId,
        scheme_type: schemeType,
        description: `${schemeType} option ${i + 1}`,
        config: JSON.stringify(i === 0 ? { default: true } : {}),
      });
    }
  }

  const credentialIds: Record<string, string> = {};
  for (const { credential, schemeType } of [...c.action, ...c.trigger]) {
    if (credentialIds[credential]) continue;
    const credentialId = id(`credential/${credential}`);
    credentialIds[credential] = credentialId;
    await insertCredential(db, {
      id: credentialId,
      tenant_id: c.tenantId,
      type: schemeType,
      name: credential,
      data_enc: secrets.seal(
        JSON.stringify({ token: `demo-${credential}` }),
        sealingContext('credentials.data_enc', { tenantId: c.tenantId, id: credentialId }),
      ),
    });
  }

  const connectionId = id('connection');
  await insertConnectorConnection(db, {
    id: connectionId,
    tenant_id: c.tenantId,
    connector_id: connectorId,
    name: c.connectionName,
  });
  const link = async (
    kind: 'action' | 'trigger',
    list: { credential: string; schemeType: string }[],
  ) => {
    const ids: string[] = [];
    for (const [position, item] of list.entries()) {
      const linkId = id(`${kind}/${position}`);
      ids.push(linkId);
      await insertConnectionCredential(db, {
        id: linkId,
        tenant_id: c.tenantId,
        connection_id: connectionId,
        kind,
        position,
        credential_id: credentialIds[item.credential],
        auth_scheme_config_id: schemeConfigs[item.schemeType][0],
      });
    }
    return ids;
  };
  const actionIds = await link('action', c.action);
  const triggerIds = await link('trigger', c.trigger);
  if (c.variables?.length) {
    await insertConnectionVariables(
      db,
      c.variables.map((v, position) => ({
        tenant_id: c.tenantId,
        connection_id: connectionId,
        position,
        ...v,
      })),
    );
  }
  return { connectorId, schemeConfigs, credentialIds, connectionId, actionIds, triggerIds };
}
