import { describe, expect, it } from 'vitest';
import { expectTypename, gql } from '../helpers/harness.js';
import { MUTATION_CASES, runCase } from '../helpers/mutations.js';
import { oesWorld, UPDATE_OES } from '../helpers/oes.js';

const AUDIT = /* GraphQL */ `
  query Audit(
    $resourceId: ID
    $tenantId: ID
    $resourceType: String
    $since: DateTime
    $order: SortOrder
    $first: Int
    $after: String
  ) {
    auditEvents(
      resourceId: $resourceId
      tenantId: $tenantId
      resourceType: $resourceType
      since: $since
      order: $order
      first: $first
      after: $after
    ) {
      items {
        resourceId
        resourceType
        changedFields
        toVersion
        createdAt
        changes {
          field
          from
          to
          secret
        }
      }
      pageInfo {
        endCursor
        hasNextPage
      }
    }
  }
`;

const SECRET_FIELDS = new Set(['password', 'apiKey']);

describe.each(MUTATION_CASES)('$field: the audit event says what changed', (c) => {
  it('records each changed field with its old and new value; secrets only as changed', async () => {
    const w = await c.world();
    const result = expectTypename(await runCase(c, w.change, w.token), c.success);
    const r = await gql(AUDIT, { resourceId: w.connectionId }, w.token);
    expect(r.errors).toBeUndefined();
    const [event] = r.data!.auditEvents.items;
    expect(event.changedFields).toEqual(result.changedFields);
    expect(event.changes.map((ch: any) => ch.field)).toEqual(result.changedFields);
    for (const change of event.changes) {
      if (SECRET_FIELDS.has(change.field)) {
        expect(change).toEqual({ field: change.field, from: null, to: null, secret: true });
      } else {
        expect(change.secret).toBe(false);
        expect(change.from).not.toEqual(change.to);
      }
    }
    const name = event.changes.find((ch: any) => ch.field === 'name');
    if (name) expect(name.to).toBe(result.connection.name);
  });
});

describe('auditEvents filters', () => {
  it('by tenant, type and time, in either order, page by page', async () => {
    const w = await oesWorld({ connections: 2 });
    const names = ['a1', 'a2', 'a3'];
    for (const [i, name] of names.entries()) {
      const r = await gql(
        UPDATE_OES,
        { enterpriseId: w.tenantId, connectionId: w.connectionIds[i % 2], input: { name } },
        w.admin,
      );
      expectTypename(r.data!.updateOesConnection, 'UpdateOesConnectionSuccess');
    }
    const all = await gql(AUDIT, { tenantId: w.tenantId }, w.viewer);
    const asc = all.data!.auditEvents.items;
    expect(asc.map((e: any) => e.changes[0].to)).toEqual(names);
    expect(asc[0].changes[0]).toEqual({
      field: 'name',
      from: 'Connection 0',
      to: 'a1',
      secret: false,
    });

    // Newest first, two pages of one and two, through the cursor.
    const page1 = await gql(AUDIT, { tenantId: w.tenantId, order: 'DESC', first: 1 }, w.viewer);
    const p1 = page1.data!.auditEvents;
    expect(p1.items.map((e: any) => e.changes[0].to)).toEqual(['a3']);
    expect(p1.pageInfo.hasNextPage).toBe(true);
    const page2 = await gql(
      AUDIT,
      { tenantId: w.tenantId, order: 'DESC', first: 2, after: p1.pageInfo.endCursor },
      w.viewer,
    );
    expect(page2.data!.auditEvents.items.map((e: any) => e.changes[0].to)).toEqual(['a2', 'a1']);
    expect(page2.data!.auditEvents.pageInfo.hasNextPage).toBe(false);

    const since = await gql(AUDIT, { tenantId: w.tenantId, since: asc[1].createdAt }, w.viewer);
    expect(since.data!.auditEvents.items.map((e: any) => e.changes[0].to)).toEqual(
      names.filter((_, i) => asc[i].createdAt >= asc[1].createdAt),
    );
    const ofType = await gql(
      AUDIT,
      { tenantId: w.tenantId, resourceType: 'DatabaseConnection' },
      w.viewer,
    );
    expect(ofType.data!.auditEvents.items).toEqual([]);
    const both = await gql(
      AUDIT,
      { tenantId: w.tenantId, resourceId: w.connectionIds[1], resourceType: 'OesConnection' },
      w.viewer,
    );
    expect(both.data!.auditEvents.items.map((e: any) => e.changes[0].to)).toEqual(['a2']);
  });

  it('needs resourceId or tenantId; a tenant the caller may not read is FORBIDDEN', async () => {
    const w = await oesWorld();
    const other = await oesWorld();
    const none = await gql(AUDIT, {}, w.viewer);
    expect(none.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    const foreign = await gql(AUDIT, { tenantId: other.tenantId }, w.viewer);
    expect(foreign.errors?.[0].extensions?.code).toBe('FORBIDDEN');
  });

  it('refuses a resourceType PostgreSQL cannot hold (NUL, a lone surrogate) as BAD_USER_INPUT', async () => {
    const w = await oesWorld();
    for (const resourceType of ['Oes\u0000Connection', 'ab\ud800cd']) {
      const result = await gql(AUDIT, { tenantId: w.tenantId, resourceType }, w.viewer);
      expect(result.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    }
  });
});
