import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createApp } from '../../src/demo/builders.js';
import {
  aggregateOf,
  countStatements,
  getHarness,
  gql,
  newApiKey,
  newTenant,
} from '../helpers/harness.js';
import { appsWorld, manyOrgConnections, ORG_CONNECTION, ORG_CONNECTIONS } from '../helpers/apps.js';

const LIST_IDS = /* GraphQL */ `
  query List($organisationId: ID!, $first: Int, $after: String) {
    orgConnections(organisationId: $organisationId, first: $first, after: $after) {
      items {
        id
      }
      pageInfo {
        endCursor
        hasNextPage
      }
    }
  }
`;

/** A tenant with one apikey App and `count` connections to it, one second apart. */
async function listWorld(count: number, boardsEach = 0) {
  const { database, secrets } = await getHarness();
  const tenantId = await newTenant();
  const app = await createApp(database.db, secrets, {
    tenantId,
    name: 'Ledgerly',
    authConfigs: [{ type: 'apikey', isValid: true, data: { in: 'header' } }],
  });
  const connectionIds = await manyOrgConnections(tenantId, app.appId, app.authConfigIds[0], count, {
    boardsEach,
  });
  const viewer = await newApiKey(tenantId, ['connections:read']);
  return { tenantId, app, connectionIds, viewer };
}

describe('orgConnections', () => {
  it('pages through every connection once, in creation order', async () => {
    const w = await listWorld(5);
    const seen: string[] = [];
    const pages: boolean[] = [];
    let after: string | null = null;
    do {
      const r = await gql(LIST_IDS, { organisationId: w.tenantId, first: 2, after }, w.viewer);
      expect(r.errors).toBeUndefined();
      const page: any = r.data!.orgConnections;
      seen.push(...page.items.map((i: { id: string }) => i.id));
      pages.push(page.pageInfo.hasNextPage);
      after = page.pageInfo.hasNextPage ? page.pageInfo.endCursor : null;
    } while (after);
    expect(seen).toEqual(w.connectionIds);
    expect(pages).toEqual([true, true, false]);
  });

  it('defaults to 50 and resolves every nested field', async () => {
    const w = await appsWorld();
    const r = await gql(ORG_CONNECTIONS, { organisationId: w.tenantId }, w.viewer);
    expect(r.errors).toBeUndefined();
    const { items, pageInfo } = r.data!.orgConnections;
    expect(pageInfo.hasNextPage).toBe(false);
    expect(items.map((c: { id: string }) => c.id).sort()).toEqual(
      [w.connectionId, w.crmConnectionId].sort(),
    );
    const ledger = items.find((c: { id: string }) => c.id === w.connectionId);
    const crm = items.find((c: { id: string }) => c.id === w.crmConnectionId);
    expect(ledger).toMatchObject({
      orgId: w.tenantId,
      name: 'Ledgerly production',
      hasApiKey: true,
      version: 1,
      app: { id: w.ledger.appId, name: 'Ledgerly', deletedAt: null },
      authConfig: { id: w.ledger.authConfigIds[1], type: 'apikey', isValid: true },
      usedByBoards: [{ name: 'Finance overview' }, { name: 'Month-end close' }],
    });
    expect(ledger.app.supportedAuthConfigs.map((c: any) => [c.type, c.isValid])).toEqual([
      ['oauth2', false],
      ['apikey', true],
    ]);
    expect(crm).toMatchObject({
      name: 'PipeCRM sales',
      hasApiKey: false,
      app: {
        name: 'PipeCRM',
        supportedAuthConfigs: [
          {
            type: 'oauth2',
            isValid: true,
            data: { clientId: 'pipecrm', authorizeUrl: 'https://crm.example.com/oauth/authorize' },
            hasSecretData: true,
          },
        ],
      },
      authConfig: { type: 'oauth2' },
      usedByBoards: [],
    });
    const body = JSON.stringify(r);
    expect(body).not.toContain(w.apiKey);
    expect(body).not.toContain(w.clientSecret);
  });

  it('refuses first outside 1..100, a forged cursor and a malformed organisation id with BAD_USER_INPUT', async () => {
    const w = await listWorld(1);
    for (const vars of [{ first: 0 }, { first: 101 }, { first: -1 }, { after: 'not-a-cursor' }]) {
      const r = await gql(LIST_IDS, { organisationId: w.tenantId, ...vars }, w.viewer);
      expect(r.errors?.[0].extensions?.code, JSON.stringify(vars)).toBe('BAD_USER_INPUT');
    }
    const badOrg = await gql(LIST_IDS, { organisationId: 'Bad Org!' }, w.viewer);
    expect(badOrg.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    const ok = await gql(LIST_IDS, { organisationId: w.tenantId, first: 100 }, w.viewer);
    expect(ok.errors).toBeUndefined();
  });

  it('is UNAUTHENTICATED without credentials and FORBIDDEN outside the organisation or without connections:read', async () => {
    const w = await listWorld(1);
    const other = await listWorld(1);
    expect((await gql(LIST_IDS, { organisationId: w.tenantId })).errors?.[0].extensions?.code).toBe(
      'UNAUTHENTICATED',
    );
    const foreign = await gql(LIST_IDS, { organisationId: w.tenantId }, other.viewer);
    expect(foreign.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    expect(foreign.data).toBeNull();
    const writer = await newApiKey(w.tenantId, ['connections:write']);
    expect(
      (await gql(LIST_IDS, { organisationId: w.tenantId }, writer)).errors?.[0].extensions?.code,
    ).toBe('FORBIDDEN');
  });

  it('runs the same few statements for 10 and for 100 connections with every nested field', async () => {
    const { database, secrets } = await getHarness();
    const tenantId = await newTenant();
    // Three Apps, so the App and auth-config loaders batch several keys.
    const apps = [];
    for (const name of ['A', 'B', 'C']) {
      apps.push(
        await createApp(database.db, secrets, {
          tenantId,
          name,
          authConfigs: [
            {
              type: 'oauth2',
              isValid: true,
              data: { clientId: name },
              secretData: { clientSecret: `s-${name}` },
            },
            { type: 'apikey', isValid: true },
          ],
        }),
      );
    }
    for (const [i, app] of apps.entries()) {
      const count = i === 0 ? 34 : 33;
      await manyOrgConnections(tenantId, app.appId, app.authConfigIds[1], count, {
        boardsEach: 2,
        start: Date.UTC(2026, 0, 1) + i * 1000,
      });
    }
    const viewer = await newApiKey(tenantId, ['connections:read']);

    const ten = await countStatements(() =>
      gql(ORG_CONNECTIONS, { organisationId: tenantId, first: 10 }, viewer),
    );
    const hundred = await countStatements(() =>
      gql(ORG_CONNECTIONS, { organisationId: tenantId, first: 100 }, viewer),
    );
    expect(ten.result.errors).toBeUndefined();
    expect(hundred.result.errors).toBeUndefined();
    const items = hundred.result.data!.orgConnections.items;
    expect(ten.result.data!.orgConnections.items).toHaveLength(10);
    expect(items).toHaveLength(100);
    expect(new Set(items.map((c: any) => c.app.name))).toEqual(new Set(['A', 'B', 'C']));
    for (const c of items) {
      expect(c.app.supportedAuthConfigs).toHaveLength(2);
      expect(c.authConfig.type).toBe('apikey');
      expect(c.usedByBoards).toHaveLength(2);
    }
    expect(hundred.statements.length).toBe(ten.statements.length);
    // Authentication, then the page with its Apps, their auth configs, the connections' own
    // auth configs and the boards: one statement, read with the page (page-parts.ts).
    expect(hundred.statements).toHaveLength(2);
    const [, page] = hundred.statements;
    for (const table of ['org_connections', 'apps', 'app_auth_configs', 'board_connections'])
      expect(page).toContain(`from "${table}"`);
    expect(page.match(/from "app_auth_configs"/g)).toHaveLength(2);
    // Lists keep their order because the aggregate states it: PostgreSQL keeps no subquery's
    // order through `json_agg`.
    expect(aggregateOf(page, 'appAuthConfigs')).toContain('order by "x"."position", "x"."id")');
    expect(aggregateOf(page, 'boards')).toContain('order by "x"."name", "x"."id")');
  });
});

describe('orgConnection', () => {
  it("returns the connection, and null for a missing id, another organisation's, or a malformed one", async () => {
    const w = await appsWorld();
    const other = await appsWorld();
    const own = await gql(
      ORG_CONNECTION,
      { organisationId: w.tenantId, connectionId: w.connectionId.toUpperCase() },
      w.viewer,
    );
    expect(own.errors).toBeUndefined();
    expect(own.data!.orgConnection).toMatchObject({
      id: w.connectionId,
      orgId: w.tenantId,
      name: 'Ledgerly production',
      version: 1,
      hasApiKey: true,
      usedByBoards: [{ name: 'Finance overview' }, { name: 'Month-end close' }],
    });
    const stored = await getHarness().then((h) =>
      h.database.db
        .selectFrom('org_connections')
        .select(['created_at', 'updated_at'])
        .where('id', '=', w.connectionId)
        .executeTakeFirstOrThrow(),
    );
    expect(new Date(own.data!.orgConnection.createdAt).getTime()).toBe(stored.created_at.getTime());
    expect(new Date(own.data!.orgConnection.updatedAt).getTime()).toBe(stored.updated_at.getTime());
    for (const connectionId of [randomUUID(), other.connectionId, 'not-a-uuid']) {
      const r = await gql(ORG_CONNECTION, { organisationId: w.tenantId, connectionId }, w.viewer);
      expect(r.errors).toBeUndefined();
      expect(r.data!.orgConnection).toBeNull();
    }
  });

  it('is UNAUTHENTICATED without credentials and FORBIDDEN for a non-member', async () => {
    const w = await appsWorld();
    const other = await appsWorld();
    const vars = { organisationId: w.tenantId, connectionId: w.connectionId };
    expect((await gql(ORG_CONNECTION, vars)).errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
    expect((await gql(ORG_CONNECTION, vars, other.viewer)).errors?.[0].extensions?.code).toBe(
      'FORBIDDEN',
    );
  });
});

describe('one request over two organisations', () => {
  it('loads each organisation’s nested objects from that organisation only, one batch each', async () => {
    const [a, b] = [await listWorld(3, 1), await listWorld(2, 1)];
    const key = await newApiKey([a.tenantId, b.tenantId], ['connections:read']);
    const BOTH = /* GraphQL */ `
      query Both($a: ID!, $b: ID!) {
        a: orgConnections(organisationId: $a) {
          items {
            id
            orgId
            app {
              id
              orgId
            }
            usedByBoards {
              id
            }
          }
        }
        b: orgConnections(organisationId: $b) {
          items {
            id
            orgId
            app {
              id
              orgId
            }
            usedByBoards {
              id
            }
          }
        }
      }
    `;
    const { result: r, statements } = await countStatements(() =>
      gql(BOTH, { a: a.tenantId, b: b.tenantId }, key),
    );
    expect(r.errors).toBeUndefined();
    for (const [page, w] of [
      [r.data!.a, a],
      [r.data!.b, b],
    ] as const) {
      expect(page.items.map((i: { id: string }) => i.id)).toEqual(w.connectionIds);
      for (const item of page.items) {
        expect(item.orgId).toBe(w.tenantId);
        expect(item.app).toEqual({ id: w.app.appId, orgId: w.tenantId });
        expect(item.usedByBoards).toHaveLength(1);
      }
    }
    // key lookup, then per organisation: its page with its Apps and its boards
    expect(statements).toHaveLength(3);
  });
});

describe('orgConnections reads the nested parts its selection asks for with the page', () => {
  const PARTS = /* GraphQL */ `
    query Parts($organisationId: ID!, $withApp: Boolean!, $skipBoards: Boolean!) {
      orgConnections(organisationId: $organisationId, first: 100) {
        items {
          id
          application: app @include(if: $withApp) {
            name
          }
          ...Configs
          usedByBoards @skip(if: $skipBoards) {
            id
          }
        }
      }
    }
    fragment Configs on OrgConnection {
      ... on OrgConnection {
        authConfig {
          type
        }
      }
    }
  `;

  it('through aliases, fragments, @include and @skip, with the same answers as item by item', async () => {
    const w = await listWorld(3, 1);
    const read = (withApp: boolean, skipBoards: boolean) =>
      countStatements(() =>
        gql(PARTS, { organisationId: w.tenantId, withApp, skipBoards }, w.viewer),
      );
    const all = await read(true, false);
    expect(all.result.errors).toBeUndefined();
    expect(all.statements).toHaveLength(2);
    const [, page] = all.statements;
    expect(page).toContain('from "apps"');
    expect(page).toContain('from "app_auth_configs"');
    expect(page).toContain('from "board_connections"');
    const items = all.result.data!.orgConnections.items;
    expect(items.map((i: { id: string }) => i.id)).toEqual(w.connectionIds);
    for (const item of items) {
      expect(item.application).toEqual({ name: 'Ledgerly' });
      expect(item.authConfig).toEqual({ type: 'apikey' });
      expect(item.usedByBoards).toHaveLength(1);
    }

    const few = await read(false, true);
    expect(few.result.errors).toBeUndefined();
    const [, fewPage] = few.statements;
    expect(fewPage).not.toContain('from "apps"');
    expect(fewPage).not.toContain('from "board_connections"');
    expect(fewPage).toContain('from "app_auth_configs"');
    for (const item of few.result.data!.orgConnections.items) {
      expect(item.application).toBeUndefined();
      expect(item.usedByBoards).toBeUndefined();
      expect(item.authConfig).toEqual({ type: 'apikey' });
    }

    // The same objects, one connection at a time through the loaders (no page, no parts).
    for (const [i, id] of w.connectionIds.entries()) {
      const one = await gql(
        /* GraphQL */ `
          query One($organisationId: ID!, $connectionId: ID!) {
            orgConnection(organisationId: $organisationId, connectionId: $connectionId) {
              id
              application: app {
                name
              }
              authConfig {
                type
              }
              usedByBoards {
                id
              }
            }
          }
        `,
        { organisationId: w.tenantId, connectionId: id },
        w.viewer,
      );
      expect(one.data!.orgConnection).toEqual(items[i]);
    }
  });

  /** `listWorld` with JSON in the App's `schema`, `schema_metadata` and `server`. */
  async function jsonWorld(count: number) {
    const w = await listWorld(count);
    const { database } = await getHarness();
    await database.db
      .updateTable('apps')
      .set({
        schema: JSON.stringify({ type: 'object', title: 'Ledger' }),
        schema_metadata: JSON.stringify({ version: 3 }),
        server: JSON.stringify({ url: 'https://ledgerly.example' }),
      })
      .where('tenant_id', '=', w.tenantId)
      .where('id', '=', w.app.appId)
      .execute();
    return w;
  }

  const APP_FIELDS = /* GraphQL */ `
    query AppFields($organisationId: ID!) {
      orgConnections(organisationId: $organisationId, first: 100) {
        items {
          id
          app {
            id
            title: name
            ...Server
          }
          again: app {
            deletedAt
          }
        }
      }
    }
    fragment Server on App {
      server
    }
  `;

  it('reads only the App JSON columns its selection asks for, through aliases and fragments, with the same answers as item by item', async () => {
    const w = await jsonWorld(3);
    const { result, statements } = await countStatements(() =>
      gql(APP_FIELDS, { organisationId: w.tenantId }, w.viewer),
    );
    expect(result.errors).toBeUndefined();
    expect(statements).toHaveLength(2);
    const page = statements[1];
    expect(page).toContain('"server"');
    expect(page).not.toContain('"schema"');
    expect(page).not.toContain('"schema_metadata"');
    const items = result.data!.orgConnections.items;
    expect(items).toHaveLength(3);
    for (const item of items) {
      expect(item.app).toEqual({
        id: w.app.appId,
        title: 'Ledgerly',
        server: { url: 'https://ledgerly.example' },
      });
      expect(item.again).toEqual({ deletedAt: null });
    }
    for (const [i, id] of w.connectionIds.entries()) {
      const one = await gql(
        /* GraphQL */ `
          query One($organisationId: ID!, $connectionId: ID!) {
            orgConnection(organisationId: $organisationId, connectionId: $connectionId) {
              id
              app {
                id
                title: name
                server
              }
              again: app {
                deletedAt
              }
            }
          }
        `,
        { organisationId: w.tenantId, connectionId: id },
        w.viewer,
      );
      expect(one.errors).toBeUndefined();
      expect(one.data!.orgConnection).toEqual(items[i]);
    }
  });

  it('reads every App column when the selection asks for every JSON field', async () => {
    const w = await jsonWorld(2);
    const { result, statements } = await countStatements(() =>
      gql(
        /* GraphQL */ `
          query Full($organisationId: ID!) {
            orgConnections(organisationId: $organisationId, first: 10) {
              items {
                app {
                  schema
                  schemaMetadata
                  server
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
    expect(statements[1]).toContain('"schema_metadata"');
    for (const item of result.data!.orgConnections.items)
      expect(item.app).toEqual({
        schema: { type: 'object', title: 'Ledger' },
        schemaMetadata: { version: 3 },
        server: { url: 'https://ledgerly.example' },
      });
  });

  it('never serves an App read without some columns to another field of the same request', async () => {
    const w = await jsonWorld(2);
    // The page reads the App without its JSON columns; the single connection's App then loads
    // through the shared loader, which must answer the whole App.
    const result = await gql(
      /* GraphQL */ `
        query Both($organisationId: ID!, $connectionId: ID!) {
          orgConnections(organisationId: $organisationId, first: 10) {
            items {
              app {
                name
              }
            }
          }
          orgConnection(organisationId: $organisationId, connectionId: $connectionId) {
            app {
              name
              schema
              schemaMetadata
              server
            }
          }
        }
      `,
      { organisationId: w.tenantId, connectionId: w.connectionIds[0] },
      w.viewer,
    );
    expect(result.errors).toBeUndefined();
    expect(result.data!.orgConnections.items).toEqual([
      { app: { name: 'Ledgerly' } },
      { app: { name: 'Ledgerly' } },
    ]);
    expect(result.data!.orgConnection.app).toEqual({
      name: 'Ledgerly',
      schema: { type: 'object', title: 'Ledger' },
      schemaMetadata: { version: 3 },
      server: { url: 'https://ledgerly.example' },
    });
  });

  it('reads each page of one request with its own App columns', async () => {
    const w = await jsonWorld(2);
    const result = await gql(
      /* GraphQL */ `
        query Two($organisationId: ID!) {
          plain: orgConnections(organisationId: $organisationId, first: 10) {
            items {
              app {
                name
              }
            }
          }
          withSchema: orgConnections(organisationId: $organisationId, first: 10) {
            items {
              app {
                schema
              }
            }
          }
        }
      `,
      { organisationId: w.tenantId },
      w.viewer,
    );
    expect(result.errors).toBeUndefined();
    for (const item of result.data!.plain.items) expect(item.app).toEqual({ name: 'Ledgerly' });
    for (const item of result.data!.withSchema.items)
      expect(item.app).toEqual({ schema: { type: 'object', title: 'Ledger' } });
  });

  it('reads no part at all for a page of plain fields', async () => {
    const w = await listWorld(2);
    const { result, statements } = await countStatements(() =>
      gql(LIST_IDS, { organisationId: w.tenantId, first: 10 }, w.viewer),
    );
    expect(result.errors).toBeUndefined();
    expect(statements).toHaveLength(2);
    expect(statements[1]).not.toContain('with "page"');
  });
});
