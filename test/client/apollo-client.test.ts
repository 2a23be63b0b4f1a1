import type { AddressInfo } from 'node:net';
import { ApolloClient, HttpLink, InMemoryCache } from '@apollo/client';
import { GraphQLWsLink } from '@apollo/client/link/subscriptions';
import { createClient } from 'graphql-ws';
import { WebSocket } from 'ws';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGatewayClient } from '../../examples/client/client.js';
import {
  CheckDatabaseConnectionDocument,
  ConnectionChangesDocument,
  ConnectorConnectionsPageDocument,
  DatabaseConnectionsPageDocument,
  NexusConnectionsPageDocument,
  OesConnectionsPageDocument,
  OrgConnectionsPageDocument,
  PatchDatabaseConnectionDocument,
  ReplaceOrgConnectionDocument,
  SaveDatabaseConnectionDocument,
  SetConnectionClientEnabledDocument,
  UpdateConnectorConnectionDocument,
  UpdateOesConnectionDocument,
  ViewerDocument,
} from '../../examples/client/generated/graphql.js';
import { createHttpServer, type HttpServer } from '../../src/http.js';
import { appsWorld } from '../helpers/apps.js';
import { connectorWorld } from '../helpers/connectors.js';
import { addJob, dbWorld } from '../helpers/databases.js';
import { getHarness } from '../helpers/harness.js';
import { waitForSubscribers } from '../helpers/live.js';
import { nexusWorld } from '../helpers/nexus.js';
import { oesWorld } from '../helpers/oes.js';

/**
 * The example client's generated operations, run by Apollo Client (core entry, no React)
 * against the gateway over HTTP on a loopback port.
 */
let http: HttpServer;
let uri: string;
let requests = 0;
const countingFetch: typeof fetch = (input, init) => {
  requests += 1;
  return fetch(input, init);
};

beforeAll(async () => {
  const { gateway, database } = await getHarness();
  http = createHttpServer({ gateway, logger: pino({ level: 'silent' }), ping: database.ping });
  await new Promise<void>((resolve) => http.server.listen(0, '127.0.0.1', resolve));
  uri = `http://127.0.0.1:${(http.server.address() as AddressInfo).port}/graphql`;
});
afterAll(() => new Promise<void>((resolve) => http.server.close(() => resolve())));

describe('the example client (Apollo Client, generated documents and possibleTypes)', () => {
  it('normalises connections by id, and a mutation result updates the cached page without a refetch', async () => {
    const w = await oesWorld({ connections: 3 });
    const client = createGatewayClient({ uri, token: w.admin, fetch: countingFetch });
    const variables = { enterpriseId: w.tenantId, first: 10 };
    const page = await client.query({ query: OesConnectionsPageDocument, variables });
    expect(page.data!.oesConnections.items.map((c) => c.id)).toEqual(w.connectionIds);

    // One cache entry per connection, by id; the three share one Partner entry.
    const cache = client.cache.extract() as Record<string, any>;
    for (const id of w.connectionIds)
      expect(cache[`OesConnection:${id}`]).toMatchObject({ id, version: 1 });
    expect(Object.keys(cache).filter((k) => k.startsWith('Partner:'))).toEqual([
      `Partner:${w.partnerId}`,
    ]);
    const [listed] = Object.entries(cache.ROOT_QUERY).filter(([k]) =>
      k.startsWith('oesConnections'),
    );
    expect((listed[1] as any).items).toEqual(
      w.connectionIds.map((id) => ({ __ref: `OesConnection:${id}` })),
    );

    const result = await client.mutate({
      mutation: UpdateOesConnectionDocument,
      variables: {
        enterpriseId: w.tenantId,
        connectionId: w.connectionIds[1],
        input: { name: 'Renamed by the client', active: false, expectedVersion: 1 },
      },
    });
    const success = result.data!.updateOesConnection;
    if (success.__typename !== 'UpdateOesConnectionSuccess') throw new Error(success.__typename);
    expect(success.connection).toMatchObject({ name: 'Renamed by the client', version: 2 });

    const before = requests;
    const cached = client.readQuery({ query: OesConnectionsPageDocument, variables });
    expect(cached!.oesConnections.items[1]).toMatchObject({
      id: w.connectionIds[1],
      name: 'Renamed by the client',
      active: false,
      version: 2,
    });
    const again = await client.query({ query: OesConnectionsPageDocument, variables });
    expect(again.data!.oesConnections.items[1].name).toBe('Renamed by the client');
    expect(requests).toBe(before);
  });

  it('reads every error field through the MutationError fragment, which needs possibleTypes', async () => {
    const w = await oesWorld();
    const variables = {
      enterpriseId: w.tenantId,
      connectionId: w.connectionId,
      input: { name: 'First', expectedVersion: 1 },
    };
    const client = createGatewayClient({ uri, token: w.admin });
    await client.mutate({ mutation: UpdateOesConnectionDocument, variables });
    const stale = await client.mutate({ mutation: UpdateOesConnectionDocument, variables });
    expect(stale.data!.updateOesConnection).toEqual({
      __typename: 'ConflictError',
      code: 'CONFLICT',
      message: expect.any(String),
      reason: 'VERSION_MISMATCH',
      activeJobIds: [],
      currentVersion: 2,
    });

    // The same call through a cache without the generated map loses the fragment's fields.
    const bare = new ApolloClient({
      link: new HttpLink({ uri, headers: { authorization: `Bearer ${w.admin}` } }),
      cache: new InMemoryCache(),
    });
    const unmatched = await bare.mutate({ mutation: UpdateOesConnectionDocument, variables });
    expect(unmatched.data?.updateOesConnection).not.toHaveProperty('reason');
  });

  it('runs every example operation: each page with its nested fields, each mutation', async () => {
    const oes = await oesWorld();
    const viewer = await createGatewayClient({ uri, token: oes.viewer }).query({
      query: ViewerDocument,
    });
    expect(viewer.data!.viewer!.memberships).toEqual([
      { __typename: 'Membership', tenantId: oes.tenantId, permissions: ['connections:read'] },
    ]);
    const denied = await createGatewayClient({ uri, token: oes.viewer }).mutate({
      mutation: UpdateOesConnectionDocument,
      variables: {
        enterpriseId: oes.tenantId,
        connectionId: oes.connectionId,
        input: { active: false },
      },
    });
    expect(denied.data!.updateOesConnection).toMatchObject({
      __typename: 'PermissionDeniedError',
      code: 'PERMISSION_DENIED',
      requiredPermissions: ['connections:write'],
    });

    const nexus = await nexusWorld();
    const nexusClient = createGatewayClient({ uri, token: nexus.admin });
    const nexusPage = await nexusClient.query({
      query: NexusConnectionsPageDocument,
      variables: { tenantId: nexus.tenantId },
    });
    expect(nexusPage.data!.nexusConnections.items[0].clients.map((c) => c.client.id)).toEqual([
      'mobile',
      'web',
      'batch',
    ]);
    const enabled = await nexusClient.mutate({
      mutation: SetConnectionClientEnabledDocument,
      variables: {
        tenantId: nexus.tenantId,
        connectionId: nexus.connectionId,
        input: { clientId: 'batch', enabled: true },
      },
    });
    expect(enabled.data!.setConnectionClientEnabled).toMatchObject({
      __typename: 'SetConnectionClientEnabledSuccess',
      enabled: true,
      connection: { version: 2 },
    });
    const missing = await nexusClient.mutate({
      mutation: SetConnectionClientEnabledDocument,
      variables: {
        tenantId: nexus.tenantId,
        connectionId: '00000000-0000-4000-8000-000000000000',
        input: { clientId: 'batch', enabled: true },
      },
    });
    expect(missing.data!.setConnectionClientEnabled).toMatchObject({
      __typename: 'NotFoundError',
      resourceType: 'NexusConnection',
    });

    const apps = await appsWorld();
    const appsClient = createGatewayClient({ uri, token: apps.admin });
    const orgPage = await appsClient.query({
      query: OrgConnectionsPageDocument,
      variables: { organisationId: apps.tenantId },
    });
    const ledger = orgPage.data!.orgConnections.items.find((c) => c.id === apps.connectionId)!;
    expect(ledger.usedByBoards).toHaveLength(2);
    const replaced = await appsClient.mutate({
      mutation: ReplaceOrgConnectionDocument,
      variables: {
        organisationId: apps.tenantId,
        connectionId: apps.connectionId,
        input: { name: 'Ledgerly live', data: { apiKey: 'a-new-key' } },
      },
    });
    const replacedResult = replaced.data!.replaceOrgConnection;
    if (replacedResult.__typename !== 'ReplaceOrgConnectionSuccess')
      throw new Error(replacedResult.__typename);
    expect(replacedResult.connection.credentialId).not.toBe(ledger.credentialId);
    const unsupported = await appsClient.mutate({
      mutation: ReplaceOrgConnectionDocument,
      variables: {
        organisationId: apps.tenantId,
        connectionId: apps.crmConnectionId,
        input: { name: 'PipeCRM', data: { apiKey: 'k' } },
      },
    });
    expect(unsupported.data!.replaceOrgConnection).toMatchObject({
      __typename: 'InvalidInputError',
      fieldErrors: [{ path: ['input', 'data'], code: 'UNSUPPORTED_AUTH_TYPE' }],
    });

    const dbs = await dbWorld();
    const jobId = await addJob(dbs.tenantId, dbs.connectionId, 'RUNNING');
    const dbClient = createGatewayClient({ uri, token: dbs.admin });
    const dbPage = await dbClient.query({
      query: DatabaseConnectionsPageDocument,
      variables: { tenantId: dbs.tenantId },
    });
    expect(dbPage.data!.databaseConnections.items[0].activeJobs).toEqual([
      { __typename: 'DatabaseJob', id: jobId, status: 'RUNNING' },
    ]);
    const busy = await dbClient.mutate({
      mutation: PatchDatabaseConnectionDocument,
      variables: { connectionId: dbs.connectionId, input: { port: 6543 } },
    });
    expect(busy.data!.patchDatabaseConnection).toMatchObject({
      __typename: 'ConflictError',
      reason: 'ACTIVE_JOBS',
      activeJobIds: [jobId],
    });
    const anonymous = await createGatewayClient({ uri }).mutate({
      mutation: PatchDatabaseConnectionDocument,
      variables: { connectionId: dbs.connectionId, input: { port: 6543 } },
    });
    expect(anonymous.data!.patchDatabaseConnection).toMatchObject({
      __typename: 'AuthenticationError',
      code: 'UNAUTHENTICATED',
    });

    const con = await connectorWorld();
    const conClient = createGatewayClient({ uri, token: con.admin });
    const conPage = await conClient.query({
      query: ConnectorConnectionsPageDocument,
      variables: { organisationId: con.tenantId, connectorId: con.connectorId },
    });
    const connection = conPage.data!.connectorConnections.items[0];
    expect(connection.credentials.action.map((s) => s.authSchemeConfig.schemeType)).toEqual([
      'api-key',
      'oauth2',
    ]);
    expect(connection.credentials.trigger[0].credential.usages[0].connection.connector.id).toBe(
      con.connectorId,
    );
    const updated = await conClient.mutate({
      mutation: UpdateConnectorConnectionDocument,
      variables: {
        organisationId: con.tenantId,
        connectorId: con.connectorId,
        connectionId: con.connectionId,
        input: { name: 'Main store, renamed', variables: [] },
      },
    });
    expect(updated.data!.updateConnectorConnection).toMatchObject({
      __typename: 'UpdateConnectorConnectionSuccess',
      connection: { name: 'Main store, renamed', variables: [], version: 2 },
    });
    // The connector connection is normalised too: the cached page shows the new name.
    const cachedPage = conClient.readQuery({
      query: ConnectorConnectionsPageDocument,
      variables: { organisationId: con.tenantId, connectorId: con.connectorId },
    });
    expect(cachedPage!.connectorConnections.items[0].name).toBe('Main store, renamed');
  });

  it('runs the dry run (kept out of the cache), the safe retry and the subscription', async () => {
    const dbs = await dbWorld();
    const client = createGatewayClient({ uri, token: dbs.admin });
    const page = await client.query({
      query: DatabaseConnectionsPageDocument,
      variables: { tenantId: dbs.tenantId },
    });
    const before = page.data!.databaseConnections.items[0];

    // The dry run answers with the would-be connection, and leaves the cache as it was.
    const check = await client.mutate({
      mutation: CheckDatabaseConnectionDocument,
      variables: { connectionId: dbs.connectionId, input: { port: 6543 } },
      fetchPolicy: 'no-cache',
    });
    expect(check.data!.patchDatabaseConnection).toMatchObject({
      __typename: 'PatchDatabaseConnectionSuccess',
      validateOnly: true,
      changedFields: ['port'],
      connection: { port: 6543, version: before.version + 1 },
    });
    const cached = client.readQuery({
      query: DatabaseConnectionsPageDocument,
      variables: { tenantId: dbs.tenantId },
    });
    expect(cached!.databaseConnections.items[0]).toMatchObject({ port: before.port });

    // A live subscriber (Apollo Client over graphql-ws) sees the save once, retried or not.
    const { gateway } = await getHarness();
    const subscribersBefore = gateway.changes.joinedCount;
    // Apollo's link refers to a global WebSocket when a socket fails; Node 20 has none.
    (globalThis as { WebSocket?: unknown }).WebSocket ??= WebSocket;
    const wsClient = createClient({
      url: uri.replace('http:', 'ws:'),
      webSocketImpl: WebSocket,
      // On a loaded machine the first connection can take a moment: retry instead of failing.
      retryAttempts: 5,
      connectionParams: { authorization: `Bearer ${dbs.admin}` },
    });
    const live = new ApolloClient({
      link: new GraphQLWsLink(wsClient),
      cache: new InMemoryCache(),
    });
    const received: { cursor: string; toVersion: number; port: unknown }[] = [];
    const subscription = live
      .subscribe({ query: ConnectionChangesDocument, variables: { tenantId: dbs.tenantId } })
      .subscribe((result) => {
        const change = result.data!.connectionChanges;
        const connection = change.connection;
        received.push({
          cursor: change.cursor,
          toVersion: change.event.toVersion,
          port: connection?.__typename === 'DatabaseConnection' ? connection.port : null,
        });
      });
    try {
      // Delivery starts with the changes committed after the subscription joined the feed.
      await waitForSubscribers(gateway, subscribersBefore + 1, 30_000);
      const save = () =>
        client.mutate({
          mutation: SaveDatabaseConnectionDocument,
          variables: {
            connectionId: dbs.connectionId,
            input: { port: 6543 },
            idempotencyKey: 'save-1',
          },
        });
      const first = await save();
      const retry = await save();
      expect(retry.data).toEqual(first.data);
      expect(first.data!.patchDatabaseConnection).toMatchObject({
        __typename: 'PatchDatabaseConnectionSuccess',
        changedFields: ['port'],
        connection: { port: 6543, version: before.version + 1 },
      });
      // The saved connection updated the cached page, without a refetch.
      const after = client.readQuery({
        query: DatabaseConnectionsPageDocument,
        variables: { tenantId: dbs.tenantId },
      });
      expect(after!.databaseConnections.items[0]).toMatchObject({ port: 6543 });

      const deadline = Date.now() + 10_000;
      while (received.length < 1 && Date.now() < deadline)
        await new Promise((resolve) => setTimeout(resolve, 50));
      await new Promise((resolve) => setTimeout(resolve, 300)); // a duplicate would arrive now
      expect(received).toEqual([
        { cursor: expect.any(String), toVersion: before.version + 1, port: 6543 },
      ]);
    } finally {
      subscription.unsubscribe();
      await wsClient.dispose();
    }
  });
});
