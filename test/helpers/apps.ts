import { randomBytes } from 'node:crypto';
import { createApp, createOrgConnection } from '../../src/demo/builders.js';
import { getHarness, newApiKey, newTenant, ERROR_SELECTION } from './harness.js';

/** Every field of an OrgConnection, nested ones included. */
export const ORG_CONNECTION_FIELDS = /* GraphQL */ `
  id orgId name credentialId hasApiKey version createdAt updatedAt
  app {
    id orgId name public imageUrl schemaId schema schemaMetadata server createdAt updatedAt deletedAt
    supportedAuthConfigs { id type isValid data hasSecretData }
  }
  authConfig { id type isValid data hasSecretData }
  usedByBoards { id name }
`;

export const REPLACE_ORG = /* GraphQL */ `
  mutation Replace($organisationId: ID!, $connectionId: ID!, $input: ReplaceOrgConnectionInput!) {
    replaceOrgConnection(organisationId: $organisationId, connectionId: $connectionId, input: $input) {
      __typename
      ... on ReplaceOrgConnectionSuccess { connection { ${ORG_CONNECTION_FIELDS} } }
      ${ERROR_SELECTION}
    }
  }
`;

export const ORG_CONNECTIONS = /* GraphQL */ `
  query List($organisationId: ID!, $first: Int, $after: String) {
    orgConnections(organisationId: $organisationId, first: $first, after: $after) {
      items { ${ORG_CONNECTION_FIELDS} }
      pageInfo { endCursor hasNextPage }
    }
  }
`;

export const ORG_CONNECTION = /* GraphQL */ `
  query One($organisationId: ID!, $connectionId: ID!) {
    orgConnection(organisationId: $organisationId, connectionId: $connectionId) { ${ORG_CONNECTION_FIELDS} }
  }
`;

/** A random secret-looking value, unique per test, to search responses and rows for. */
export const secretValue = (label: string): string => `${label}-${randomBytes(12).toString('hex')}`;

/**
 * A tenant with:
 * - `ledger`: an App with an invalid oauth2 config (holding a sealed clientSecret) first and a
 *   valid apikey config second, and a connection to it with an API key and two boards;
 * - `crm`: an App with only a valid oauth2 config (sealed clientSecret), and a connection to it;
 * - an admin (read + write) and a viewer (read) key.
 */
export async function appsWorld(options: { appDeleted?: boolean } = {}) {
  const { database, secrets } = await getHarness();
  const db = database.db;
  const tenantId = await newTenant();
  const apiKey = secretValue('old-api-key');
  const clientSecret = secretValue('client-secret');
  const ledger = await createApp(db, secrets, {
    tenantId,
    name: 'Ledgerly',
    deletedAt: options.appDeleted ? new Date(Date.UTC(2026, 5, 1)) : null,
    authConfigs: [
      {
        type: 'oauth2',
        isValid: false,
        data: { clientId: 'ledgerly' },
        secretData: { clientSecret },
      },
      { type: 'apikey', isValid: true, data: { in: 'header', name: 'X-API-Key' } },
    ],
  });
  const crm = await createApp(db, secrets, {
    tenantId,
    name: 'PipeCRM',
    authConfigs: [
      {
        type: 'oauth2',
        isValid: true,
        data: { clientId: 'pipecrm', authorizeUrl: 'https://crm.example.com/oauth/authorize' },
        secretData: { clientSecret },
      },
    ],
  });
  const connectionId = await createOrgConnection(db, secrets, {
    tenantId,
    appId: ledger.appId,
    authConfigId: ledger.authConfigIds[1],
    name: 'Ledgerly production',
    apiKey,
    boards: ['Month-end close', 'Finance overview'],
  });
  const crmConnectionId = await createOrgConnection(db, secrets, {
    tenantId,
    appId: crm.appId,
    authConfigId: crm.authConfigIds[0],
    name: 'PipeCRM sales',
  });
  const admin = await newApiKey(tenantId, ['connections:read', 'connections:write']);
  const viewer = await newApiKey(tenantId, ['connections:read']);
  return {
    tenantId,
    ledger,
    crm,
    connectionId,
    crmConnectionId,
    apiKey,
    clientSecret,
    admin,
    viewer,
  };
}

/** The connection's row, its boards, its App's rows and its audit events: to prove a failure changed nothing. */
export async function orgSnapshot(tenantId: string, connectionId: string) {
  const { database } = await getHarness();
  const db = database.db;
  const row = await db
    .selectFrom('org_connections')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('id', '=', connectionId)
    .executeTakeFirst();
  const boards = await db
    .selectFrom('board_connections')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('connection_id', '=', connectionId)
    .orderBy('board_id')
    .execute();
  const apps = await db
    .selectFrom('apps')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .orderBy('id')
    .execute();
  const configs = await db
    .selectFrom('app_auth_configs')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .orderBy('id')
    .execute();
  const events = await db
    .selectFrom('audit_events')
    .selectAll()
    .where('resource_id', '=', connectionId)
    .orderBy('to_version')
    .execute();
  return { row, boards, apps, configs, events };
}

/** Opens a connection's stored API key with the harness's SecretBox (as the service seals it). */
export async function openStoredApiKey(
  tenantId: string,
  connectionId: string,
): Promise<string | null> {
  const { database, secrets } = await getHarness();
  const row = await database.db
    .selectFrom('org_connections')
    .select('api_key_enc')
    .where('tenant_id', '=', tenantId)
    .where('id', '=', connectionId)
    .executeTakeFirstOrThrow();
  return row.api_key_enc === null
    ? null
    : secrets.open(row.api_key_enc, {
        tenantId,
        resourceType: 'OrgConnection',
        resourceId: connectionId,
        field: 'apiKey',
      });
}

/**
 * `count` connections to `appId` in `tenantId`, each with an API key and `boardsEach` boards of
 * its own, created one second apart (so creation order is the list order).
 */
export async function manyOrgConnections(
  tenantId: string,
  appId: string,
  authConfigId: string | null,
  count: number,
  { boardsEach = 0, start = Date.UTC(2026, 0, 1) }: { boardsEach?: number; start?: number } = {},
): Promise<string[]> {
  const { database, secrets } = await getHarness();
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const id = await createOrgConnection(database.db, secrets, {
      tenantId,
      appId,
      authConfigId,
      name: `Connection ${i}`,
      apiKey: secretValue(`key-${i}`),
      boards: Array.from({ length: boardsEach }, (_, b) => `Board ${i}.${b}`),
    });
    const at = new Date(start + i * 1000);
    await database.db
      .updateTable('org_connections')
      .set({ created_at: at, updated_at: at } as never)
      .where('tenant_id', '=', tenantId)
      .where('id', '=', id)
      .execute();
    ids.push(id);
  }
  return ids;
}
