import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import {
  addConnections,
  connectorWorld,
  CONNECTION_FIELDS,
  markCredentialData,
  SECRET_MARK,
  sharedCredentialWorlds,
  SLOT_FRAGMENT,
} from '../helpers/connectors.js';
import { aggregateOf, countStatements, getHarness, gql, newApiKey } from '../helpers/harness.js';

const LIST = /* GraphQL */ `
  query List($organisationId: ID!, $connectorId: ID, $first: Int, $after: String) {
    connectorConnections(
      organisationId: $organisationId
      connectorId: $connectorId
      first: $first
      after: $after
    ) {
      items {
        id
        name
        connector {
          id
        }
      }
      pageInfo {
        endCursor
        hasNextPage
      }
    }
  }
`;
const LIST_ALL = /* GraphQL */ `
  query ListAll($organisationId: ID!, $connectorId: ID, $first: Int) {
    connectorConnections(organisationId: $organisationId, connectorId: $connectorId, first: $first) {
      items { ${CONNECTION_FIELDS} }
      pageInfo { endCursor hasNextPage }
    }
  }
  ${SLOT_FRAGMENT}
`;
const ONE = /* GraphQL */ `
  query One($organisationId: ID!, $connectorId: ID!, $connectionId: ID!) {
    connectorConnection(organisationId: $organisationId, connectorId: $connectorId, connectionId: $connectionId) {
      ${CONNECTION_FIELDS}
    }
  }
  ${SLOT_FRAGMENT}
`;

describe('connectorConnections', () => {
  it("lists all the tenant's connector connections, or one connector's; an unknown connector is an empty page", async () => {
    const w = await connectorWorld();
    const second = await connectorWorld({
      tenantId: w.tenantId,
      connectorName: 'Second',
      connectionName: 'Other',
    });
    const added = await addConnections(w, 2);
    await connectorWorld(); // another tenant's rows never show
    const all = await gql(LIST, { organisationId: w.tenantId }, w.viewer);
    expect(all.errors).toBeUndefined();
    expect(all.data!.connectorConnections.items.map((i: any) => i.id).sort()).toEqual(
      [w.connectionId, second.connectionId, ...added.map((a) => a.connectionId)].sort(),
    );
    const mine = await gql(
      LIST,
      { organisationId: w.tenantId, connectorId: w.connectorId.toUpperCase() },
      w.viewer,
    );
    expect(mine.data!.connectorConnections.items.map((i: any) => [i.id, i.connector.id])).toEqual(
      [w.connectionId, ...added.map((a) => a.connectionId)].map((id) => [id, w.connectorId]),
    );
    for (const connectorId of [randomUUID(), 'not-a-uuid']) {
      const none = await gql(LIST, { organisationId: w.tenantId, connectorId }, w.viewer);
      expect(none.errors).toBeUndefined();
      expect(none.data!.connectorConnections).toEqual({
        items: [],
        pageInfo: { endCursor: null, hasNextPage: false },
      });
    }
  });

  it('pages through every connection once, in creation order', async () => {
    const w = await connectorWorld();
    const added = await addConnections(w, 4);
    const seen: string[] = [];
    const more: boolean[] = [];
    let after: string | null = null;
    do {
      const r = await gql(
        LIST,
        { organisationId: w.tenantId, connectorId: w.connectorId, first: 2, after },
        w.viewer,
      );
      expect(r.errors).toBeUndefined();
      const page: any = r.data!.connectorConnections;
      seen.push(...page.items.map((i: { id: string }) => i.id));
      more.push(page.pageInfo.hasNextPage);
      after = page.pageInfo.hasNextPage ? page.pageInfo.endCursor : null;
    } while (after);
    expect(seen).toEqual([w.connectionId, ...added.map((a) => a.connectionId)]);
    expect(more).toEqual([true, true, false]);
  });

  it('refuses first outside 1..100 and a forged cursor with BAD_USER_INPUT', async () => {
    const w = await connectorWorld();
    for (const vars of [{ first: 0 }, { first: 101 }, { after: 'forged' }]) {
      const r = await gql(LIST, { organisationId: w.tenantId, ...vars }, w.viewer);
      expect(r.errors?.[0].extensions?.code, JSON.stringify(vars)).toBe('BAD_USER_INPUT');
    }
  });

  it('is UNAUTHENTICATED without credentials and FORBIDDEN outside the tenant or without connections:read', async () => {
    const w = await connectorWorld();
    const other = await connectorWorld();
    expect((await gql(LIST, { organisationId: w.tenantId })).errors?.[0].extensions?.code).toBe(
      'UNAUTHENTICATED',
    );
    expect(
      (await gql(LIST, { organisationId: w.tenantId }, other.admin)).errors?.[0].extensions?.code,
    ).toBe('FORBIDDEN');
    const writer = await newApiKey(w.tenantId, ['connections:write']);
    expect(
      (await gql(LIST, { organisationId: w.tenantId }, writer)).errors?.[0].extensions?.code,
    ).toBe('FORBIDDEN');
    const one = await gql(
      ONE,
      { organisationId: w.tenantId, connectorId: w.connectorId, connectionId: w.connectionId },
      writer,
    );
    expect(one.errors?.[0].extensions?.code).toBe('FORBIDDEN');
  });

  it('runs the same number of statements for 10 and for 100 connections, every nested field selected', async () => {
    const w = await connectorWorld();
    await addConnections(w, 99);
    await markCredentialData(w);
    const run = (first: number) =>
      countStatements(() =>
        gql(LIST_ALL, { organisationId: w.tenantId, connectorId: w.connectorId, first }, w.viewer),
      );
    const ten = await run(10);
    const hundred = await run(100);
    expect(ten.result.errors).toBeUndefined();
    expect(hundred.result.errors).toBeUndefined();
    const items = hundred.result.data!.connectorConnections.items;
    expect(ten.result.data!.connectorConnections.items).toHaveLength(10);
    expect(items).toHaveLength(100);
    // Every nested level really resolved, for every connection.
    for (const item of items) {
      expect(item.connector.id).toBe(w.connectorId);
      expect(item.credentials.action).toHaveLength(2);
      expect(item.credentials.trigger).toHaveLength(1);
      expect(item.variables.length).toBeGreaterThan(0);
      const slot = item.credentials.trigger[0];
      expect(slot.authSchemeConfig).toMatchObject({ schemeType: 'hmac', validationMessages: [] });
      expect(slot.credential.usages).toEqual([
        {
          connection: expect.objectContaining({
            id: item.id,
            connector: { id: w.connectorId, name: 'Shopify', protocol: 'http' },
          }),
        },
      ]);
    }
    expect(hundred.statements.length).toBe(ten.statements.length);
    // Authentication, then the page with its connectors, slots, variables, configs,
    // credentials and usages: one statement (page-parts.ts).
    expect(hundred.statements).toHaveLength(2);
    const [, page] = hundred.statements;
    for (const table of [
      'connector_connections',
      'connectors',
      'connection_credentials',
      'connection_variables',
      'auth_scheme_configs',
      'credentials',
    ])
      expect(page).toContain(`from "${table}"`);
    expect(JSON.stringify(hundred.result)).not.toContain(SECRET_MARK);
  });
});

describe('connectorConnection', () => {
  it('returns the connection with every nested field', async () => {
    const w = await connectorWorld();
    const r = await gql(
      ONE,
      { organisationId: w.tenantId, connectorId: w.connectorId, connectionId: w.connectionId },
      w.viewer,
    );
    expect(r.errors).toBeUndefined();
    const c = r.data!.connectorConnection;
    expect(c).toMatchObject({
      id: w.connectionId,
      organisationId: w.tenantId,
      name: 'Main store',
      version: 1,
      connector: {
        id: w.connectorId,
        organisationId: w.tenantId,
        name: 'Shopify',
        protocol: 'http',
      },
      variables: [
        { name: 'shopDomain', value: 'shop.example.com' },
        { name: 'currency', value: 'EUR' },
      ],
    });
    expect(c.credentials.action.map((s: any) => s.id)).toEqual(w.actionIds);
    expect(c.credentials.trigger.map((s: any) => s.id)).toEqual(w.triggerIds);
    expect(c.credentials.action[0]).toMatchObject({
      authSchemeConfig: {
        id: w.schemeConfigs['api-key'][0],
        schemeType: 'api-key',
        description: 'api-key option 1',
        validationMessages: [],
      },
      credential: {
        id: w.credentialIds['Admin token'],
        organisationId: w.tenantId,
        type: 'api-key',
        name: 'Admin token',
        errors: [],
        expiresAt: null,
        hasData: true,
      },
    });
  });

  it('usages list each connection that uses the credential once, across connectors', async () => {
    // The second connection uses the first's api-key credential in two slots.
    const { w, second, shared } = await sharedCredentialWorlds();
    const r = await gql(
      ONE,
      { organisationId: w.tenantId, connectorId: w.connectorId, connectionId: w.connectionId },
      w.viewer,
    );
    expect(
      r.data!.connectorConnection.credentials.action[0].credential.usages.map((u: any) => [
        u.connection.id,
        u.connection.connector.name,
      ]),
    ).toEqual([
      [w.connectionId, 'Shopify'],
      [second.connectionId, 'Second'],
    ]);
    // In the second connection, the shared api-key credential sits on an hmac config: an error.
    const s = await gql(
      ONE,
      {
        organisationId: w.tenantId,
        connectorId: second.connectorId,
        connectionId: second.connectionId,
      },
      w.viewer,
    );
    const trigger = s.data!.connectorConnection.credentials.trigger;
    expect(trigger.map((t: any) => t.credential.id)).toEqual([
      second.credentialIds['Webhook secret'],
      shared,
    ]);
    expect(trigger[1].authSchemeConfig.validationMessages.map((m: any) => m.severity)).toEqual([
      'ERROR',
    ]);
    expect(trigger[0].authSchemeConfig.validationMessages).toEqual([]);
  });

  it("shows a usage's connector when only the usages name it, not the connection", async () => {
    const { w, second } = await sharedCredentialWorlds();
    const usagesOnly = /* GraphQL */ `
      credentials { action { credential { usages { connection { id connector { id name } } } } } }
    `;
    const usages = (connection: any) =>
      connection.credentials.action[0].credential.usages.map((u: any) => u.connection);
    const expected = [
      { id: w.connectionId, connector: { id: w.connectorId, name: 'Shopify' } },
      { id: second.connectionId, connector: { id: second.connectorId, name: 'Second' } },
    ];
    const one = await gql(
      `query($o: ID!, $c: ID!, $id: ID!) {
        connectorConnection(organisationId: $o, connectorId: $c, connectionId: $id) { ${usagesOnly} }
      }`,
      { o: w.tenantId, c: w.connectorId, id: w.connectionId },
      w.viewer,
    );
    expect(one.errors).toBeUndefined();
    expect(usages(one.data!.connectorConnection)).toEqual(expected);
    const page = await countStatements(() =>
      gql(
        `query($o: ID!, $c: ID) {
          connectorConnections(organisationId: $o, connectorId: $c) { items { ${usagesOnly} } }
        }`,
        { o: w.tenantId, c: w.connectorId },
        w.viewer,
      ),
    );
    expect(page.result.errors).toBeUndefined();
    expect(usages(page.result.data!.connectorConnections.items[0])).toEqual(expected);
    // The usages' connectors (another connector's too) come with the page.
    expect(page.statements).toHaveLength(2);
  });

  it("is null for a missing id, another connector's or another tenant's connection, and malformed ids", async () => {
    const w = await connectorWorld();
    const sibling = await connectorWorld({ tenantId: w.tenantId, connectorName: 'Second' });
    const other = await connectorWorld();
    for (const [connectorId, connectionId] of [
      [w.connectorId, randomUUID()],
      [w.connectorId, sibling.connectionId],
      [w.connectorId, other.connectionId],
      [other.connectorId, other.connectionId],
      ['not-a-uuid', w.connectionId],
      [w.connectorId, 'not-a-uuid'],
    ]) {
      const r = await gql(ONE, { organisationId: w.tenantId, connectorId, connectionId }, w.viewer);
      expect(r.errors).toBeUndefined();
      expect(r.data!.connectorConnection).toBeNull();
    }
  });
});

describe('connectorConnections read with their nested parts', () => {
  it('answer exactly what the same connections answer one at a time through the loaders', async () => {
    const w = await connectorWorld();
    await addConnections(w, 3);
    const page = await countStatements(() =>
      gql(
        /* GraphQL */ `
          query Page($organisationId: ID!) {
            connectorConnections(organisationId: $organisationId, first: 100) {
              items { ${CONNECTION_FIELDS} }
            }
          }
          ${SLOT_FRAGMENT}
        `,
        { organisationId: w.tenantId },
        w.viewer,
      ),
    );
    expect(page.result.errors).toBeUndefined();
    expect(page.statements).toHaveLength(2);
    const items = page.result.data!.connectorConnections.items;
    expect(items).toHaveLength(4);
    for (const item of items) {
      const one = await countStatements(() =>
        gql(
          /* GraphQL */ `
            query One($organisationId: ID!, $connectorId: ID!, $connectionId: ID!) {
              connectorConnection(
                organisationId: $organisationId
                connectorId: $connectorId
                connectionId: $connectionId
              ) { ${CONNECTION_FIELDS} }
            }
            ${SLOT_FRAGMENT}
          `,
          { organisationId: w.tenantId, connectorId: w.connectorId, connectionId: item.id },
          w.viewer,
        ),
      );
      expect(one.result.errors).toBeUndefined();
      // Key lookup, connection, slots, variables, then configs, credentials and usages in one
      // round (a batch each), and the connectors: as many as when each slot had resolvers.
      expect(one.statements).toHaveLength(8);
      expect(one.result.data!.connectorConnection).toEqual(item);
    }
  });

  it('answer usages of connections off the page as one at a time, with every field', async () => {
    // The page is the first connector's only; its credential is also used by the second's.
    const { w, second } = await sharedCredentialWorlds();
    const one = await gql(
      ONE,
      {
        organisationId: w.tenantId,
        connectorId: w.connectorId,
        connectionId: w.connectionId,
      },
      w.viewer,
    );
    const page = await countStatements(() =>
      gql(LIST_ALL, { organisationId: w.tenantId, connectorId: w.connectorId }, w.viewer),
    );
    expect(page.result.errors).toBeUndefined();
    expect(page.statements).toHaveLength(2);
    const [item] = page.result.data!.connectorConnections.items;
    expect(item).toEqual(one.data!.connectorConnection);
    const usages = item.credentials.action[0].credential.usages;
    expect(usages.map((u: any) => u.connection.id)).toEqual([w.connectionId, second.connectionId]);
    expect(usages[1].connection).toMatchObject({ name: 'Reuser', version: 1 });
  });

  it('merge what action and trigger slots ask for: usages under action only still come with the page', async () => {
    const w = await connectorWorld();
    const { result, statements } = await countStatements(() =>
      gql(
        /* GraphQL */ `
          query Mixed($organisationId: ID!) {
            connectorConnections(organisationId: $organisationId) {
              items {
                credentials {
                  action {
                    credential {
                      usages {
                        connection {
                          id
                        }
                      }
                    }
                  }
                  trigger {
                    credential {
                      id
                    }
                  }
                }
              }
            }
          }
        `,
        { organisationId: w.tenantId },
        w.viewer,
      ),
    );
    expect(result.errors).toBeUndefined();
    const [item] = result.data!.connectorConnections.items;
    expect(item.credentials.action[0].credential.usages).toEqual([
      { connection: { id: w.connectionId } },
    ]);
    expect(statements).toHaveLength(2);
  });

  it("list a credential's usages oldest first (ties by id), an order the page statement states", async () => {
    // Five connections use the first's "Admin token": their creation order is neither the
    // order they were inserted in nor their ids' order, and two were created at once.
    const w = await connectorWorld();
    const added = await addConnections(w, 4);
    const { database } = await getHarness();
    const shared = w.credentialIds['Admin token'];
    await database.db
      .insertInto('connection_credentials')
      .values(
        added.map((a) => ({
          id: randomUUID(),
          tenant_id: w.tenantId,
          connection_id: a.connectionId,
          kind: 'trigger' as const,
          position: 5,
          credential_id: shared,
          auth_scheme_config_id: w.schemeConfigs.hmac[0],
        })),
      )
      .execute();
    const ids = [w.connectionId, ...added.map((a) => a.connectionId)];
    const base = Date.UTC(2026, 0, 1);
    const createdAt = [4, 2, 0, 3, 2].map((s) => new Date(base + s * 1000));
    // created_at is not updatable through the table's types (db/tables): a fixture's change.
    for (const [i, id] of ids.entries())
      await sql`update connector_connections set created_at = ${createdAt[i]}
                 where tenant_id = ${w.tenantId} and id = ${id}`.execute(database.db);
    const expected = ids
      .map((id, i) => ({ id, at: createdAt[i].getTime() }))
      .sort((a, b) => a.at - b.at || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
      .map(({ id }) => ({ connection: { id } }));
    const usagesOf = (item: any) => item.credentials.action[0].credential.usages;

    const page = await countStatements(() =>
      gql(
        /* GraphQL */ `
          query ($o: ID!) {
            connectorConnections(organisationId: $o) {
              items {
                id
                credentials {
                  action {
                    credential {
                      usages {
                        connection {
                          id
                        }
                      }
                    }
                  }
                }
              }
            }
          }
        `,
        { o: w.tenantId },
        w.viewer,
      ),
    );
    expect(page.result.errors).toBeUndefined();
    const item = page.result.data!.connectorConnections.items.find(
      (i: any) => i.id === w.connectionId,
    );
    expect(usagesOf(item)).toEqual(expected);
    // PostgreSQL keeps no order through `json_agg` unless the aggregate states one.
    expect(aggregateOf(page.statements[1], 'usages')).toContain(
      'order by "x"."created_at", "x"."connection_id")',
    );
    // The loaders' path (one connection) answers the same order.
    const one = await gql(
      ONE,
      { organisationId: w.tenantId, connectorId: w.connectorId, connectionId: w.connectionId },
      w.viewer,
    );
    expect(usagesOf(one.data!.connectorConnection)).toEqual(
      expected.map((u) => ({ connection: expect.objectContaining(u.connection) })),
    );
  });

  it('state the order of the slots and the variables in their aggregates', async () => {
    const w = await connectorWorld();
    const page = await countStatements(() =>
      gql(LIST_ALL, { organisationId: w.tenantId }, w.viewer),
    );
    expect(page.result.errors).toBeUndefined();
    const [, statement] = page.statements;
    expect(aggregateOf(statement, 'slots')).toContain(
      'order by "x"."kind", "x"."position", "x"."id")',
    );
    expect(aggregateOf(statement, 'variables')).toContain('order by "x"."position", "x"."name")');
  });
});
