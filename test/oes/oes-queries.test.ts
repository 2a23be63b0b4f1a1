import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  createNexusConnection,
  createOesConnection,
  createOesPartner,
} from '../../src/demo/builders.js';
import { countStatements, expectTypename, getHarness, gql, newApiKey } from '../helpers/harness.js';
import { oesWorld, UPDATE_OES } from '../helpers/oes.js';
import { pageStatements, sameOneByOne } from '../helpers/page-parts.js';

const LIST = /* GraphQL */ `
  query List($enterpriseId: ID!, $first: Int, $after: String) {
    oesConnections(enterpriseId: $enterpriseId, first: $first, after: $after) {
      items {
        id
        name
        partner {
          name
        }
      }
      pageInfo {
        endCursor
        hasNextPage
      }
    }
  }
`;
const LIST_IDS = /* GraphQL */ `
  query Ids($enterpriseId: ID!) {
    oesConnections(enterpriseId: $enterpriseId, first: 100) {
      items {
        id
        name
      }
    }
  }
`;
const ONE = /* GraphQL */ `
  query One($enterpriseId: ID!, $connectionId: ID!) {
    oesConnection(enterpriseId: $enterpriseId, connectionId: $connectionId) {
      id
      name
      active
      version
    }
  }
`;

describe('oesConnections', () => {
  it('pages through every connection once, in creation order', async () => {
    const w = await oesWorld({ connections: 5 });
    const seen: string[] = [];
    let after: string | null = null;
    const pages: boolean[] = [];
    do {
      const r = await gql(LIST, { enterpriseId: w.tenantId, first: 2, after }, w.viewer);
      expect(r.errors).toBeUndefined();
      const page: any = r.data!.oesConnections;
      seen.push(...page.items.map((i: { id: string }) => i.id));
      pages.push(page.pageInfo.hasNextPage);
      after = page.pageInfo.hasNextPage ? page.pageInfo.endCursor : null;
    } while (after);
    expect(seen).toEqual(w.connectionIds);
    expect(pages).toEqual([true, true, false]);
  });

  it('defaults to 50 and resolves each partner', async () => {
    const w = await oesWorld({ connections: 3 });
    const r = await gql(LIST, { enterpriseId: w.tenantId }, w.viewer);
    expect(r.data!.oesConnections.items).toHaveLength(3);
    expect(r.data!.oesConnections.items[0].partner).toEqual({ name: 'Venue' });
    expect(r.data!.oesConnections.pageInfo.hasNextPage).toBe(false);
  });

  it('refuses first outside 1..100 and a forged cursor with BAD_USER_INPUT', async () => {
    const w = await oesWorld();
    for (const vars of [{ first: 0 }, { first: 101 }, { first: -1 }, { after: 'not-a-cursor' }]) {
      const r = await gql(LIST, { enterpriseId: w.tenantId, ...vars }, w.viewer);
      expect(r.errors?.[0].extensions?.code, JSON.stringify(vars)).toBe('BAD_USER_INPUT');
    }
    const ok = await gql(LIST, { enterpriseId: w.tenantId, first: 100 }, w.viewer);
    expect(ok.errors).toBeUndefined();
  });

  it('is UNAUTHENTICATED without credentials and FORBIDDEN outside the tenant or without the licence', async () => {
    const w = await oesWorld();
    const other = await oesWorld();
    const unlicensed = await oesWorld({ licensed: false });
    expect((await gql(LIST, { enterpriseId: w.tenantId })).errors?.[0].extensions?.code).toBe(
      'UNAUTHENTICATED',
    );
    expect(
      (await gql(LIST, { enterpriseId: w.tenantId }, other.admin)).errors?.[0].extensions?.code,
    ).toBe('FORBIDDEN');
    const noLicence = await gql(LIST, { enterpriseId: unlicensed.tenantId }, unlicensed.admin);
    expect(noLicence.errors?.[0].extensions).toMatchObject({
      code: 'FORBIDDEN',
      reason: 'LICENSE_REQUIRED',
      requiredLicence: 'oes',
    });
    const writer = await newApiKey(w.tenantId, ['connections:write']);
    expect(
      (await gql(LIST, { enterpriseId: w.tenantId }, writer)).errors?.[0].extensions?.code,
    ).toBe('FORBIDDEN');
  });
});

describe('oesConnections reads the partners its selection asks for with the page', () => {
  const FIELDS = /* GraphQL */ `id name active version createdAt updatedAt venue: partner { id name }`;
  const PAGE = /* GraphQL */ `
    query Page($enterpriseId: ID!, $skipPartner: Boolean!) {
      oesConnections(enterpriseId: $enterpriseId, first: 100) {
        items {
          id
          ...Venue @skip(if: $skipPartner)
        }
      }
    }
    fragment Venue on OesConnection { ${FIELDS} }
  `;

  /** Four connections over two partners (each partner read once, answered to two). */
  async function partnersWorld() {
    const { database } = await getHarness();
    const w = await oesWorld({ connections: 0 });
    const partners = [
      await createOesPartner(database.db, { tenantId: w.tenantId, name: 'North' }),
      await createOesPartner(database.db, { tenantId: w.tenantId, name: 'South' }),
    ];
    for (let i = 0; i < 4; i++)
      await createOesConnection(database.db, {
        tenantId: w.tenantId,
        partnerId: partners[i % 2],
        name: `Connection ${i}`,
        createdAt: new Date(Date.UTC(2026, 0, 1, 0, 0, i)),
      });
    return w;
  }

  it('answers in one statement with the page exactly what the same connections answer one at a time', async () => {
    const w = await partnersWorld();
    // The key lookup, the licence, then the page with its partners (page-parts.ts).
    const page = await pageStatements(
      3,
      'oes_partners',
      true,
      PAGE,
      { enterpriseId: w.tenantId, skipPartner: false },
      w.viewer,
    );
    const items = page.oesConnections.items;
    expect(items.map((i: any) => i.venue.name)).toEqual(['North', 'South', 'North', 'South']);
    await sameOneByOne(items, 'oesConnection', 'oes_partners', (item) => [
      /* GraphQL */ `
        query One($enterpriseId: ID!, $connectionId: ID!) {
          oesConnection(enterpriseId: $enterpriseId, connectionId: $connectionId) { ${FIELDS} }
        }
      `,
      { enterpriseId: w.tenantId, connectionId: item.id },
      w.viewer,
    ]);
  });

  it('reads no partner for a page that skips or does not select it', async () => {
    const w = await partnersWorld();
    const skipped = await pageStatements(
      3,
      'oes_partners',
      false,
      PAGE,
      { enterpriseId: w.tenantId, skipPartner: true },
      w.viewer,
    );
    expect(skipped.oesConnections.items[0]).toEqual({ id: expect.any(String) });
    await pageStatements(
      3,
      'oes_partners',
      false,
      LIST_IDS,
      { enterpriseId: w.tenantId },
      w.viewer,
    );
  });
});

describe('oesConnection', () => {
  it("returns the connection, and null for a missing id or another tenant's", async () => {
    const w = await oesWorld();
    const other = await oesWorld();
    const own = await gql(
      ONE,
      { enterpriseId: w.tenantId, connectionId: w.connectionId },
      w.viewer,
    );
    expect(own.data!.oesConnection).toMatchObject({
      id: w.connectionId,
      name: 'Connection 0',
      active: true,
      version: 1,
    });
    for (const connectionId of [randomUUID(), other.connectionId, 'not-a-uuid']) {
      const r = await gql(ONE, { enterpriseId: w.tenantId, connectionId }, w.viewer);
      expect(r.errors).toBeUndefined();
      expect(r.data!.oesConnection).toBeNull();
    }
  });
});

describe('viewer and auditEvents', () => {
  it('viewer is null without credentials and lists memberships with them', async () => {
    const w = await oesWorld();
    expect((await gql('{ viewer { id } }')).data!.viewer).toBeNull();
    const r = await gql('{ viewer { kind memberships { tenantId permissions } } }', {}, w.viewer);
    expect(r.data!.viewer).toEqual({
      kind: 'api_key',
      memberships: [{ tenantId: w.tenantId, permissions: ['connections:read'] }],
    });
  });

  it("auditEvents lists a resource's changes to its tenant's readers only", async () => {
    const w = await oesWorld();
    const other = await oesWorld();
    for (const name of ['one', 'two']) {
      const r = await gql(
        UPDATE_OES,
        { enterpriseId: w.tenantId, connectionId: w.connectionId, input: { name } },
        w.admin,
      );
      expectTypename(r.data!.updateOesConnection, 'UpdateOesConnectionSuccess');
    }
    const AUDIT = `query($id: ID!, $first: Int) { auditEvents(resourceId: $id, first: $first) {
      items { resourceType resourceId operation changedFields fromVersion toVersion actorId tenantId }
      pageInfo { hasNextPage } } }`;
    const mine = await gql(AUDIT, { id: w.connectionId }, w.viewer);
    expect(
      mine.data!.auditEvents.items.map((e: any) => [e.fromVersion, e.toVersion, e.changedFields]),
    ).toEqual([
      [1, 2, ['name']],
      [2, 3, ['name']],
    ]);
    expect(mine.data!.auditEvents.items[0]).toMatchObject({
      resourceType: 'OesConnection',
      operation: 'updateOesConnection',
      tenantId: w.tenantId,
    });
    const firstOnly = await gql(AUDIT, { id: w.connectionId, first: 1 }, w.viewer);
    expect(firstOnly.data!.auditEvents.pageInfo.hasNextPage).toBe(true);
    const theirs = await gql(AUDIT, { id: w.connectionId }, other.admin);
    expect(theirs.data!.auditEvents.items).toEqual([]);
    expect((await gql(AUDIT, { id: w.connectionId })).errors?.[0].extensions?.code).toBe(
      'UNAUTHENTICATED',
    );
  });

  it("an OES connection's audit events need the licence; other resources' events do not", async () => {
    const { database } = await getHarness();
    const w = await oesWorld();
    const r = await gql(
      UPDATE_OES,
      { enterpriseId: w.tenantId, connectionId: w.connectionId, input: { name: 'renamed' } },
      w.admin,
    );
    expectTypename(r.data!.updateOesConnection, 'UpdateOesConnectionSuccess');
    const nexusId = await createNexusConnection(database.db, {
      tenantId: w.tenantId,
      name: 'N',
      clients: [],
    });
    await database.db
      .insertInto('audit_events')
      .values({
        id: randomUUID(),
        tenant_id: w.tenantId,
        actor_id: 'someone',
        actor_kind: 'api_key',
        resource_type: 'NexusConnection',
        resource_id: nexusId,
        operation: 'setConnectionClientEnabled',
        changed_fields: ['clients'],
        from_version: 1,
        to_version: 2,
        request_id: randomUUID(),
      })
      .execute();
    const AUDIT = `query($id: ID!) { auditEvents(resourceId: $id) { items { resourceType } } }`;
    const events = async (id: string) =>
      (await gql(AUDIT, { id }, w.viewer)).data!.auditEvents.items.map((e: any) => e.resourceType);
    expect(await events(w.connectionId)).toEqual(['OesConnection']);
    // The tenant loses its licence: its OES events are no longer listed, the rest still are.
    await database.db
      .deleteFrom('tenant_entitlements')
      .where('tenant_id', '=', w.tenantId)
      .execute();
    expect(await events(w.connectionId)).toEqual([]);
    expect(await events(nexusId)).toEqual(['NexusConnection']);
  });
});
