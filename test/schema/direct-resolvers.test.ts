import { describe, expect, it } from 'vitest';
import { buildGatewaySchema, directlyCalledFields } from '../../resolvers/schema.js';
import { getHarness } from '../helpers/harness.js';

/**
 * `resolvers/schema.ts` calls resolvers past type-graphql's per-call wrapper, leaning on the
 * library's metadata storage. If type-graphql changes that storage, the rewiring would quietly
 * stop applying (everything still works, only slower): this list catches it, and also any
 * resolver added or changed so that it can no longer be called directly. Change the list
 * together with the resolvers.
 */
const CALLED_DIRECTLY = [
  'App.supportedAuthConfigs',
  'ConnectionChange.connection',
  'ConnectorConnection.credentials',
  'ConnectorConnection.variables',
  'DatabaseConnection.activeJobs',
  'Mutation.patchDatabaseConnection',
  'Mutation.replaceOrgConnection',
  'Mutation.setConnectionClientEnabled',
  'Mutation.updateConnectorConnection',
  'Mutation.updateOesConnection',
  'NexusConnection.clients',
  'OesConnection.partner',
  'OrgConnection.app',
  'OrgConnection.authConfig',
  'OrgConnection.usedByBoards',
  'Query.auditEvents',
  'Query.connectorConnection',
  'Query.connectorConnections',
  'Query.databaseConnection',
  'Query.databaseConnections',
  'Query.nexusConnection',
  'Query.nexusConnections',
  'Query.oesConnection',
  'Query.oesConnections',
  'Query.orgConnection',
  'Query.orgConnections',
  'Query.viewer',
];

describe('resolvers called past type-graphql’s wrapper', () => {
  it('are exactly the pinned list', async () => {
    expect(directlyCalledFields(await buildGatewaySchema())).toEqual(CALLED_DIRECTLY);
  });

  it('are none on the escape hatch (the libraries’ own paths)', async () => {
    expect(directlyCalledFields(await buildGatewaySchema({ callDirectly: false }))).toEqual([]);
  });

  it('follow GATEWAY_EXECUTOR in the suite’s own gateway', async () => {
    const { gateway } = await getHarness();
    const escapeHatch = process.env.GATEWAY_EXECUTOR === 'graphql-js';
    expect(directlyCalledFields(gateway.schema)).toEqual(escapeHatch ? [] : CALLED_DIRECTLY);
  });
});
