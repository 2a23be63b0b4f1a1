import { randomUUID } from 'node:crypto';
import { createNexusClient, createNexusConnection } from '../../src/demo/builders.js';
import { getHarness, newApiKey, newTenant, ERROR_SELECTION } from './harness.js';

export const SET_CLIENT_ENABLED = /* GraphQL */ `
  mutation Set($tenantId: ID!, $connectionId: ID!, $input: SetConnectionClientEnabledInput!) {
    setConnectionClientEnabled(tenantId: $tenantId, connectionId: $connectionId, input: $input) {
      __typename
      ... on SetConnectionClientEnabledSuccess {
        connection {
          id
          tenantId
          name
          version
          createdAt
          updatedAt
          clients {
            client {
              id
              name
            }
            enabled
          }
        }
        client {
          id
          name
        }
        enabled
      }
      ${ERROR_SELECTION}
    }
  }
`;

/**
 * A tenant with four clients and one connection. The connection lists, in this order,
 * `mobile` (enabled, owned by the `owner` key's principal), `web` (enabled, owned by the
 * `otherOwner` key's principal) and `batch` (disabled, no owner); `spare` (owned by `owner`)
 * belongs to the tenant but is not on the connection. Client names carry the tenant id, so
 * two worlds' clients with the same id are told apart.
 */
export async function nexusWorld() {
  const { database } = await getHarness();
  const db = database.db;
  const tenantId = await newTenant();
  const ownerId = `p-${randomUUID()}`;
  const otherOwnerId = `p-${randomUUID()}`;
  await createNexusClient(db, {
    tenantId,
    id: 'mobile',
    name: `Mobile ${tenantId}`,
    ownerPrincipalId: ownerId,
  });
  await createNexusClient(db, {
    tenantId,
    id: 'web',
    name: `Web ${tenantId}`,
    ownerPrincipalId: otherOwnerId,
  });
  await createNexusClient(db, { tenantId, id: 'batch', name: `Batch ${tenantId}` });
  await createNexusClient(db, {
    tenantId,
    id: 'spare',
    name: `Spare ${tenantId}`,
    ownerPrincipalId: ownerId,
  });
  const connectionId = await createNexusConnection(db, {
    tenantId,
    name: 'Main',
    clients: [
      { clientId: 'mobile', enabled: true },
      { clientId: 'web', enabled: true },
      { clientId: 'batch', enabled: false },
    ],
  });
  return {
    tenantId,
    connectionId,
    ownerId,
    otherOwnerId,
    /** connections:read + client.write.all */
    admin: await newApiKey(tenantId, ['connections:read', 'client.write.all']),
    /** connections:read + client.write; owns `mobile` and `spare`. */
    owner: await newApiKey(tenantId, ['connections:read', 'client.write'], {
      principalId: ownerId,
    }),
    /** client.write only; owns `web`. */
    otherOwner: await newApiKey(tenantId, ['client.write'], { principalId: otherOwnerId }),
    /** client.write, owns nothing. */
    clientWriter: await newApiKey(tenantId, ['connections:read', 'client.write']),
    viewer: await newApiKey(tenantId, ['connections:read']),
    /** connections:read + connections:write: not enough for this mutation. */
    connectionWriter: await newApiKey(tenantId, ['connections:read', 'connections:write']),
  };
}

export type NexusWorld = Awaited<ReturnType<typeof nexusWorld>>;

/**
 * Inserts `count` connections into a tenant with explicit, increasing `created_at` (one
 * statement per table), each listing `clientIds` in order; returns their ids in creation order.
 */
export async function insertNexusConnections(
  tenantId: string,
  count: number,
  clients: { clientId: string; enabled: boolean }[],
  options: { namePrefix?: string } = {},
): Promise<string[]> {
  const { database } = await getHarness();
  const ids = Array.from({ length: count }, () => randomUUID());
  if (count === 0) return ids;
  await database.db
    .insertInto('nexus_connections')
    .values(
      ids.map((id, i) => ({
        id,
        tenant_id: tenantId,
        name: `${options.namePrefix ?? 'Connection'} ${i}`,
        created_at: new Date(Date.UTC(2026, 0, 1, 0, 0, 0, 0) + i * 1000),
      })),
    )
    .execute();
  if (clients.length > 0) {
    await database.db
      .insertInto('nexus_connection_clients')
      .values(
        ids.flatMap((id) =>
          clients.map((c, position) => ({
            tenant_id: tenantId,
            connection_id: id,
            client_id: c.clientId,
            enabled: c.enabled,
            position,
          })),
        ),
      )
      .execute();
  }
  return ids;
}

/** The connection's row, its client list and its audit events, to prove a failure changed nothing. */
export async function nexusSnapshot(tenantId: string, connectionId: string) {
  const { database } = await getHarness();
  const row = await database.db
    .selectFrom('nexus_connections')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('id', '=', connectionId)
    .executeTakeFirst();
  const clients = await database.db
    .selectFrom('nexus_connection_clients')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('connection_id', '=', connectionId)
    .orderBy('position')
    .execute();
  const events = await database.db
    .selectFrom('audit_events')
    .selectAll()
    .where('resource_id', '=', connectionId)
    .orderBy('to_version')
    .execute();
  return { row, clients, events };
}

/** `{ clientId: enabled }` of a connection, from the database. */
export async function enabledMap(
  tenantId: string,
  connectionId: string,
): Promise<Record<string, boolean>> {
  const { clients } = await nexusSnapshot(tenantId, connectionId);
  return Object.fromEntries(clients.map((c) => [c.client_id, c.enabled]));
}
