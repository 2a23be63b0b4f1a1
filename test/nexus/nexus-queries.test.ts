import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createNexusClient } from '../../src/demo/builders.js';
import {
  aggregateOf,
  countStatements,
  expectTypename,
  getHarness,
  gql,
  newApiKey,
  newTenant,
} from '../helpers/harness.js';
import { insertNexusConnections, nexusWorld, SET_CLIENT_ENABLED } from '../helpers/nexus.js';
import { pageStatements, sameOneByOne } from '../helpers/page-parts.js';

const LIST = /* GraphQL */ `
  query List($tenantId: ID!, $first: Int, $after: String) {
    nexusConnections(tenantId: $tenantId, first: $first, after: $after) {
      items {
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
      pageInfo {
        endCursor
        hasNextPage
      }
    }
  }
`;
const ONE = /* GraphQL */ `
  query One($tenantId: ID!, $connectionId: ID!) {
    nexusConnection(tenantId: $tenantId, connectionId: $connectionId) {
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
  }
`;

/** A tenant with three clients and `count` connections created a second apart. */
async function listWorld(count: number) {
  const { database } = await getHarness();
  const tenantId = await newTenant();
  for (const [id, name] of [
    ['alpha', 'Alpha'],
    ['bravo', 'Bravo'],
    ['charlie', 'Charlie'],
  ]) {
    await createNexusClient(database.db, { tenantId, id, name });
  }
  const connectionIds = await insertNexusConnections(tenantId, count, [
    { clientId: 'charlie', enabled: true },
    { clientId: 'alpha', enabled: false },
    { clientId: 'bravo', enabled: true },
  ]);
  const viewer = await newApiKey(tenantId, ['connections:read']);
  return { tenantId, connectionIds, viewer };
}

describe('nexusConnections', () => {
  it('pages through every connection once, in creation order', async () => {
    const w = await listWorld(5);
    const seen: string[] = [];
    const pages: boolean[] = [];
    let after: string | null = null;
    do {
      const r = await gql(LIST, { tenantId: w.tenantId, first: 2, after }, w.viewer);
      expect(r.errors).toBeUndefined();
      const page: any = r.data!.nexusConnections;
      seen.push(...page.items.map((i: { id: string }) => i.id));
      pages.push(page.pageInfo.hasNextPage);
      after = page.pageInfo.hasNextPage ? page.pageInfo.endCursor : null;
    } while (after);
    expect(seen).toEqual(w.connectionIds);
    expect(pages).toEqual([true, true, false]);
  });

  it("lists each connection with its fields and its clients in the connection's stored order", async () => {
    const w = await listWorld(2);
    const r = await gql(LIST, { tenantId: w.tenantId }, w.viewer);
    expect(r.errors).toBeUndefined();
    const { items, pageInfo } = r.data!.nexusConnections;
    expect(pageInfo.hasNextPage).toBe(false);
    expect(items).toHaveLength(2);
    expect(items[0]).toEqual({
      id: w.connectionIds[0],
      tenantId: w.tenantId,
      name: 'Connection 0',
      version: 1,
      createdAt: '2026-01-01T00:00:00.000Z',
      updatedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      clients: [
        { client: { id: 'charlie', name: 'Charlie' }, enabled: true },
        { client: { id: 'alpha', name: 'Alpha' }, enabled: false },
        { client: { id: 'bravo', name: 'Bravo' }, enabled: true },
      ],
    });
    expect(items[1].clients).toEqual(items[0].clients);
  });

  it('orders clients by stored position, not by insertion order; a connection without clients has []', async () => {
    const { database } = await getHarness();
    const w = await listWorld(0);
    const [withClients, empty] = await insertNexusConnections(w.tenantId, 2, []);
    // Inserted in the order bravo, charlie, alpha, with positions 2, 0, 1.
    await database.db
      .insertInto('nexus_connection_clients')
      .values([
        {
          tenant_id: w.tenantId,
          connection_id: withClients,
          client_id: 'bravo',
          position: 2,
          enabled: true,
        },
        {
          tenant_id: w.tenantId,
          connection_id: withClients,
          client_id: 'charlie',
          position: 0,
          enabled: false,
        },
        {
          tenant_id: w.tenantId,
          connection_id: withClients,
          client_id: 'alpha',
          position: 1,
          enabled: true,
        },
      ])
      .execute();
    const r = await gql(LIST, { tenantId: w.tenantId }, w.viewer);
    const [first, second] = r.data!.nexusConnections.items;
    expect(first.id).toBe(withClients);
    expect(first.clients.map((c: any) => [c.client.id, c.enabled])).toEqual([
      ['charlie', false],
      ['alpha', true],
      ['bravo', true],
    ]);
    expect(second).toMatchObject({ id: empty, clients: [] });
  });

  it("lists only the tenant's own connections, with its own clients' names", async () => {
    const a = await nexusWorld();
    const b = await nexusWorld();
    const r = await gql(LIST, { tenantId: a.tenantId }, a.viewer);
    const items = r.data!.nexusConnections.items;
    expect(items.map((i: any) => i.id)).toEqual([a.connectionId]);
    expect(items[0].clients.map((c: any) => c.client.name)).toEqual([
      `Mobile ${a.tenantId}`,
      `Web ${a.tenantId}`,
      `Batch ${a.tenantId}`,
    ]);
    expect(items.map((i: any) => i.id)).not.toContain(b.connectionId);
  });

  it('refuses first outside 1..100, a forged cursor and a malformed tenant id with BAD_USER_INPUT', async () => {
    const w = await listWorld(1);
    for (const vars of [{ first: 0 }, { first: 101 }, { first: -1 }, { after: 'not-a-cursor' }]) {
      const r = await gql(LIST, { tenantId: w.tenantId, ...vars }, w.viewer);
      expect(r.errors?.[0].extensions?.code, JSON.stringify(vars)).toBe('BAD_USER_INPUT');
    }
    const badTenant = await gql(LIST, { tenantId: 'Not A Tenant!' }, w.viewer);
    expect(badTenant.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    const ok = await gql(LIST, { tenantId: w.tenantId, first: 100 }, w.viewer);
    expect(ok.errors).toBeUndefined();
    expect(ok.data!.nexusConnections.items).toHaveLength(1);
  });

  it('is UNAUTHENTICATED without credentials and FORBIDDEN outside the tenant or without connections:read', async () => {
    const w = await nexusWorld();
    const other = await nexusWorld();
    expect((await gql(LIST, { tenantId: w.tenantId })).errors?.[0].extensions?.code).toBe(
      'UNAUTHENTICATED',
    );
    expect(
      (await gql(LIST, { tenantId: w.tenantId }, other.admin)).errors?.[0].extensions?.code,
    ).toBe('FORBIDDEN');
    const clientAdminOnly = await newApiKey(w.tenantId, ['client.write.all', 'connections:write']);
    expect(
      (await gql(LIST, { tenantId: w.tenantId }, clientAdminOnly)).errors?.[0].extensions?.code,
    ).toBe('FORBIDDEN');
  });

  it('runs the same few statements for 10 and for 100 connections with every nested field', async () => {
    const w10 = await listWorld(10);
    const w100 = await listWorld(100);
    const ten = await countStatements(() =>
      gql(LIST, { tenantId: w10.tenantId, first: 10 }, w10.viewer),
    );
    const hundred = await countStatements(() =>
      gql(LIST, { tenantId: w100.tenantId, first: 100 }, w100.viewer),
    );
    expect(ten.result.errors).toBeUndefined();
    expect(hundred.result.errors).toBeUndefined();
    expect(ten.result.data!.nexusConnections.items).toHaveLength(10);
    expect(hundred.result.data!.nexusConnections.items).toHaveLength(100);
    for (const item of hundred.result.data!.nexusConnections.items) {
      expect(item.clients.map((c: any) => c.client.name)).toEqual(['Charlie', 'Alpha', 'Bravo']);
    }
    expect(hundred.statements.length).toBe(ten.statements.length);
    // The key lookup, then the page with its client lists: one statement (page-parts.ts).
    expect(hundred.statements).toHaveLength(2);
    expect(hundred.statements[1]).toContain('from "nexus_connection_clients"');
    // A connection's clients keep their stored order because the aggregate states it.
    expect(aggregateOf(hundred.statements[1], 'clients')).toContain(
      'order by "x"."tenant_id", "x"."connection_id", "x"."position")',
    );
  });
});

describe('nexusConnections reads the client lists its selection asks for with the page', () => {
  const FIELDS = /* GraphQL */ `
    id name version createdAt updatedAt
    entries: clients { client { id name } enabled }
  `;
  const PAGE = /* GraphQL */ `
    query Page($tenantId: ID!, $skipClients: Boolean!) {
      nexusConnections(tenantId: $tenantId, first: 100) {
        items {
          id
          ... on NexusConnection @skip(if: $skipClients) { ${FIELDS} }
        }
      }
    }
  `;

  /** Connections with different client lists, one with none (its empty list is primed too). */
  async function clientsWorld() {
    const w = await listWorld(2);
    await insertNexusConnections(w.tenantId, 1, [{ clientId: 'bravo', enabled: false }], {
      namePrefix: 'Bravo only',
    });
    await insertNexusConnections(w.tenantId, 1, [], { namePrefix: 'Empty' });
    return w;
  }

  it('answers in one statement with the page exactly what the same connections answer one at a time', async () => {
    const w = await clientsWorld();
    // The key lookup, then the page with its client lists; none loads on its own.
    const page = await pageStatements(
      2,
      'nexus_connection_clients',
      true,
      PAGE,
      { tenantId: w.tenantId, skipClients: false },
      w.viewer,
    );
    const items = page.nexusConnections.items;
    expect(items.map((i: any) => i.entries.length).sort()).toEqual([0, 1, 3, 3]);
    await sameOneByOne(items, 'nexusConnection', 'nexus_connection_clients', (item) => [
      /* GraphQL */ `
        query One($tenantId: ID!, $connectionId: ID!) {
          nexusConnection(tenantId: $tenantId, connectionId: $connectionId) { ${FIELDS} }
        }
      `,
      { tenantId: w.tenantId, connectionId: item.id },
      w.viewer,
    ]);
  });

  it('reads no client list for a page that skips or does not select it', async () => {
    const w = await clientsWorld();
    const table = 'nexus_connection_clients';
    const vars = { tenantId: w.tenantId, skipClients: true };
    const skipped = await pageStatements(2, table, false, PAGE, vars, w.viewer);
    expect(skipped.nexusConnections.items[0]).toEqual({ id: expect.any(String) });
    const plain = 'query($t: ID!) { nexusConnections(tenantId: $t) { items { id name } } }';
    await pageStatements(2, table, false, plain, { t: w.tenantId }, w.viewer);
  });
});

describe('nexusConnection', () => {
  it("returns the connection with its clients, and null for a missing id, a malformed one or another tenant's", async () => {
    const w = await nexusWorld();
    const other = await nexusWorld();
    const own = await gql(
      ONE,
      { tenantId: w.tenantId, connectionId: w.connectionId.toUpperCase() },
      w.viewer,
    );
    expect(own.errors).toBeUndefined();
    expect(own.data!.nexusConnection).toMatchObject({
      id: w.connectionId,
      tenantId: w.tenantId,
      name: 'Main',
      version: 1,
      clients: [
        { client: { id: 'mobile', name: `Mobile ${w.tenantId}` }, enabled: true },
        { client: { id: 'web', name: `Web ${w.tenantId}` }, enabled: true },
        { client: { id: 'batch', name: `Batch ${w.tenantId}` }, enabled: false },
      ],
    });
    for (const connectionId of [randomUUID(), other.connectionId, 'not-a-uuid']) {
      const r = await gql(ONE, { tenantId: w.tenantId, connectionId }, w.viewer);
      expect(r.errors).toBeUndefined();
      expect(r.data!.nexusConnection).toBeNull();
    }
  });

  it('shows a change made by setConnectionClientEnabled, with the new version', async () => {
    const w = await nexusWorld();
    const r = await gql(
      SET_CLIENT_ENABLED,
      {
        tenantId: w.tenantId,
        connectionId: w.connectionId,
        input: { clientId: 'mobile', enabled: false },
      },
      w.owner,
    );
    expectTypename(r.data!.setConnectionClientEnabled, 'SetConnectionClientEnabledSuccess');
    const after = await gql(ONE, { tenantId: w.tenantId, connectionId: w.connectionId }, w.viewer);
    expect(after.data!.nexusConnection.version).toBe(2);
    expect(after.data!.nexusConnection.clients[0]).toEqual({
      client: { id: 'mobile', name: `Mobile ${w.tenantId}` },
      enabled: false,
    });
  });

  it('is UNAUTHENTICATED without credentials and FORBIDDEN outside the tenant or without connections:read', async () => {
    const w = await nexusWorld();
    const other = await nexusWorld();
    const vars = { tenantId: w.tenantId, connectionId: w.connectionId };
    expect((await gql(ONE, vars)).errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
    expect((await gql(ONE, vars, other.admin)).errors?.[0].extensions?.code).toBe('FORBIDDEN');
    expect((await gql(ONE, vars, w.otherOwner)).errors?.[0].extensions?.code).toBe('FORBIDDEN');
  });

  it('auditEvents lists the changes of a Nexus connection', async () => {
    const w = await nexusWorld();
    for (const enabled of [false, true]) {
      await gql(
        SET_CLIENT_ENABLED,
        { tenantId: w.tenantId, connectionId: w.connectionId, input: { clientId: 'web', enabled } },
        w.admin,
      );
    }
    const AUDIT = `query($id: ID!) { auditEvents(resourceId: $id) {
      items { resourceType operation changedFields fromVersion toVersion tenantId } } }`;
    const r = await gql(AUDIT, { id: w.connectionId }, w.viewer);
    expect(r.data!.auditEvents.items).toEqual([
      {
        resourceType: 'NexusConnection',
        operation: 'setConnectionClientEnabled',
        changedFields: ['clients'],
        fromVersion: 1,
        toVersion: 2,
        tenantId: w.tenantId,
      },
      {
        resourceType: 'NexusConnection',
        operation: 'setConnectionClientEnabled',
        changedFields: ['clients'],
        fromVersion: 2,
        toVersion: 3,
        tenantId: w.tenantId,
      },
    ]);
  });
});
