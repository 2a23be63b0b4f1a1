import { createOesConnection, createOesPartner } from '../../src/demo/builders.js';
import { getHarness, newApiKey, newTenant, ERROR_SELECTION } from './harness.js';

export const UPDATE_OES = /* GraphQL */ `
  mutation Update($enterpriseId: ID!, $connectionId: ID!, $input: UpdateOesConnectionInput!) {
    updateOesConnection(enterpriseId: $enterpriseId, connectionId: $connectionId, input: $input) {
      __typename
      ... on UpdateOesConnectionSuccess {
        connection {
          id
          enterpriseId
          name
          active
          version
          createdAt
          updatedAt
          partner {
            id
            name
          }
        }
      }
      ${ERROR_SELECTION}
    }
  }
`;

/** A licensed tenant with one connection, an admin key and a viewer key. */
export async function oesWorld(options: { licensed?: boolean; connections?: number } = {}) {
  const { database } = await getHarness();
  const tenantId = await newTenant(options.licensed === false ? [] : ['oes']);
  const partnerId = await createOesPartner(database.db, { tenantId, name: 'Venue' });
  const connectionIds: string[] = [];
  for (let i = 0; i < (options.connections ?? 1); i++) {
    connectionIds.push(
      await createOesConnection(database.db, {
        tenantId,
        partnerId,
        name: `Connection ${i}`,
        createdAt: new Date(Date.UTC(2026, 0, 1, 0, 0, i)),
      }),
    );
  }
  const admin = await newApiKey(tenantId, ['connections:read', 'connections:write']);
  const viewer = await newApiKey(tenantId, ['connections:read']);
  return { tenantId, partnerId, connectionId: connectionIds[0], connectionIds, admin, viewer };
}

/** The connection's row and its audit events, to prove a failure changed nothing. */
export async function oesSnapshot(tenantId: string, connectionId: string) {
  const { database } = await getHarness();
  const row = await database.db
    .selectFrom('oes_connections')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('id', '=', connectionId)
    .executeTakeFirst();
  const events = await database.db
    .selectFrom('audit_events')
    .selectAll()
    .where('resource_id', '=', connectionId)
    .orderBy('to_version')
    .execute();
  return { row, events };
}
