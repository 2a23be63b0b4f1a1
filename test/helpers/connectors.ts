import { randomUUID } from 'node:crypto';
import type { Insertable } from 'kysely';
import type {
  ConnectionCredentialsTable,
  ConnectionVariablesTable,
  ConnectorConnectionsTable,
  CredentialsTable,
} from '../../db/tables/connectors.js';
import { createConnectorWithConnection, type ConnectorFixture } from '../../src/demo/builders.js';
import { getHarness, newApiKey, newTenant, ERROR_SELECTION } from './harness.js';

/** Every field of a credential slot, nested all the way down. */
export const SLOT_FRAGMENT = /* GraphQL */ `
  fragment Slot on ConnectionCredential {
    id
    authSchemeConfig {
      id
      schemeType
      description
      validationMessages {
        text
        severity
        detail
      }
    }
    credential {
      id
      organisationId
      type
      name
      errors
      expiresAt
      hasData
      createdAt
      usages {
        connection {
          id
          name
          organisationId
          version
          createdAt
          updatedAt
          connector {
            id
            name
            protocol
          }
        }
      }
    }
  }
`;

/** Every field of a connector connection. */
export const CONNECTION_FIELDS = /* GraphQL */ `
  id organisationId name version createdAt updatedAt
  connector { id organisationId name protocol createdAt updatedAt }
  credentials { action { ...Slot } trigger { ...Slot } }
  variables { name value }
`;

export const UPDATE_CONNECTOR_CONNECTION = /* GraphQL */ `
  mutation Update(
    $organisationId: ID!
    $connectorId: ID!
    $connectionId: ID!
    $input: UpdateConnectorConnectionInput!
  ) {
    updateConnectorConnection(
      organisationId: $organisationId
      connectorId: $connectorId
      connectionId: $connectionId
      input: $input
    ) {
      __typename
      ... on UpdateConnectorConnectionSuccess { connection { ${CONNECTION_FIELDS} } }
      ${ERROR_SELECTION}
    }
  }
  ${SLOT_FRAGMENT}
`;

/**
 * Two connectors' connections in one tenant that share a credential: the second connection
 * (connector "Second", connection "Reuser") also uses the first's "Admin token", in an action
 * and a trigger slot (on an hmac config: an ERROR finding). That credential's usages are then
 * both connections, of two connectors.
 */
export async function sharedCredentialWorlds(): Promise<{
  w: ConnectorWorld;
  second: ConnectorWorld;
  shared: string;
}> {
  const w = await connectorWorld();
  const second = await connectorWorld({
    tenantId: w.tenantId,
    connectorName: 'Second',
    connectionName: 'Reuser',
  });
  const { database } = await getHarness();
  const shared = w.credentialIds['Admin token'];
  await database.db
    .insertInto('connection_credentials')
    .values(
      (['action', 'trigger'] as const).map((kind) => ({
        id: randomUUID(),
        tenant_id: w.tenantId,
        connection_id: second.connectionId,
        kind,
        position: 5,
        credential_id: shared,
        auth_scheme_config_id: second.schemeConfigs.hmac[0],
      })),
    )
    .execute();
  return { w, second, shared };
}

/** The secret every test credential's sealed data contains; it must never reach a response. */
export const SECRET_MARK = 'sEcReT-credential-data';

export interface ConnectorWorld extends ConnectorFixture {
  tenantId: string;
  admin: string;
  viewer: string;
}

/**
 * A tenant with one connector and one connection: action slots [api-key, oauth2], trigger
 * [hmac], two configs per scheme type (slots on the first), variables shopDomain and currency;
 * an admin (read+write) and a viewer (read) key. Credential data is sealed like the demo's.
 */
export async function connectorWorld(
  options: { tenantId?: string; connectionName?: string; connectorName?: string } = {},
): Promise<ConnectorWorld> {
  const { database, secrets } = await getHarness();
  const tenantId = options.tenantId ?? (await newTenant());
  const fixture = await createConnectorWithConnection(database.db, secrets, {
    tenantId,
    connectorName: options.connectorName ?? 'Shopify',
    connectionName: options.connectionName ?? 'Main store',
    action: [
      { credential: 'Admin token', schemeType: 'api-key' },
      { credential: 'OAuth app', schemeType: 'oauth2' },
    ],
    trigger: [{ credential: 'Webhook secret', schemeType: 'hmac' }],
    variables: [
      { name: 'shopDomain', value: 'shop.example.com' },
      { name: 'currency', value: 'EUR' },
    ],
  });
  const admin = await newApiKey(tenantId, ['connections:read', 'connections:write']);
  const viewer = await newApiKey(tenantId, ['connections:read']);
  return { ...fixture, tenantId, admin, viewer };
}

export interface AddedConnection {
  connectionId: string;
  actionIds: string[];
  triggerIds: string[];
  credentialIds: string[];
}

/**
 * Adds `count` connections to the world's connector in a handful of statements (each with
 * its own three credentials, slots on the first configs, and one variable), created one
 * second apart after now, so list order is insertion order.
 */
export async function addConnections(
  world: ConnectorWorld,
  count: number,
): Promise<AddedConnection[]> {
  const { database, secrets } = await getHarness();
  const db = database.db;
  const schemes = ['api-key', 'oauth2', 'hmac'];
  const base = Date.now() + 1000;
  const added: AddedConnection[] = [];
  const credentials: Insertable<CredentialsTable>[] = [];
  const connections: Insertable<ConnectorConnectionsTable>[] = [];
  const slots: Insertable<ConnectionCredentialsTable>[] = [];
  const variables: Insertable<ConnectionVariablesTable>[] = [];
  for (let i = 0; i < count; i++) {
    const connectionId = randomUUID();
    const credentialIds = schemes.map(() => randomUUID());
    const slotIds = schemes.map(() => randomUUID());
    added.push({
      connectionId,
      actionIds: slotIds.slice(0, 2),
      triggerIds: slotIds.slice(2),
      credentialIds,
    });
    connections.push({
      id: connectionId,
      tenant_id: world.tenantId,
      connector_id: world.connectorId,
      name: `Connection ${i}`,
      created_at: new Date(base + i * 1000),
    });
    schemes.forEach((schemeType, k) => {
      credentials.push({
        id: credentialIds[k],
        tenant_id: world.tenantId,
        type: schemeType,
        name: `${schemeType} ${i}`,
        data_enc: secrets.seal(JSON.stringify({ token: `${SECRET_MARK}-${i}-${k}` }), {
          tenantId: world.tenantId,
          resourceType: 'Credential',
          resourceId: credentialIds[k],
          field: 'data',
        }),
      });
      slots.push({
        id: slotIds[k],
        tenant_id: world.tenantId,
        connection_id: connectionId,
        kind: k < 2 ? 'action' : 'trigger',
        position: k < 2 ? k : 0,
        credential_id: credentialIds[k],
        auth_scheme_config_id: world.schemeConfigs[schemeType][0],
      });
    });
    variables.push({
      tenant_id: world.tenantId,
      connection_id: connectionId,
      position: 0,
      name: 'index',
      value: String(i),
    });
  }
  if (count === 0) return added;
  await db.insertInto('credentials').values(credentials).execute();
  await db.insertInto('connector_connections').values(connections).execute();
  await db.insertInto('connection_credentials').values(slots).execute();
  await db.insertInto('connection_variables').values(variables).execute();
  return added;
}

/** Replaces the data of the world's credentials with one containing SECRET_MARK. */
export async function markCredentialData(world: ConnectorWorld): Promise<void> {
  const { database, secrets } = await getHarness();
  for (const id of Object.values(world.credentialIds)) {
    await database.db
      .updateTable('credentials')
      .set({
        data_enc: secrets.seal(JSON.stringify({ token: `${SECRET_MARK}-${id}` }), {
          tenantId: world.tenantId,
          resourceType: 'Credential',
          resourceId: id,
          field: 'data',
        }),
      })
      .where('tenant_id', '=', world.tenantId)
      .where('id', '=', id)
      .execute();
  }
}

/** The connection's row, slots, variables and audit events, to prove what a call changed. */
export async function connectorSnapshot(tenantId: string, connectionId: string) {
  const { database } = await getHarness();
  const db = database.db;
  const row = await db
    .selectFrom('connector_connections')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('id', '=', connectionId)
    .executeTakeFirst();
  const slots = await db
    .selectFrom('connection_credentials')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('connection_id', '=', connectionId)
    .orderBy('kind')
    .orderBy('position')
    .execute();
  const variables = await db
    .selectFrom('connection_variables')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('connection_id', '=', connectionId)
    .orderBy('position')
    .execute();
  const credentials = await db
    .selectFrom('credentials')
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
  return { row, slots, variables, credentials, events };
}
