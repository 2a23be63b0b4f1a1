import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createDatabaseConnection } from '../../src/demo/builders.js';
import { countStatements, getHarness, gql, newApiKey } from '../helpers/harness.js';
import { addJob, CONNECTION_FIELDS, dbWorld, patchDb } from '../helpers/databases.js';
import { pageStatements, sameOneByOne } from '../helpers/page-parts.js';

const LIST = /* GraphQL */ `
  query List($tenantId: ID!, $first: Int, $after: String) {
    databaseConnections(tenantId: $tenantId, first: $first, after: $after) {
      items { ${CONNECTION_FIELDS} }
      pageInfo { endCursor hasNextPage }
    }
  }
`;
const ONE = /* GraphQL */ `
  query One($connectionId: ID!) {
    databaseConnection(connectionId: $connectionId) { ${CONNECTION_FIELDS} }
  }
`;

/** The tenant's connection ids in page order, straight from the table. */
async function idsInOrder(tenantId: string): Promise<string[]> {
  const { database } = await getHarness();
  const rows = await database.db
    .selectFrom('database_connections')
    .select('id')
    .where('tenant_id', '=', tenantId)
    .orderBy('created_at')
    .orderBy('id')
    .execute();
  return rows.map((r) => r.id);
}

describe('databaseConnections', () => {
  it('pages through every connection once, in creation order', async () => {
    const w = await dbWorld({ connections: 5 });
    const seen: string[] = [];
    const more: boolean[] = [];
    let after: string | null = null;
    do {
      const r = await gql(LIST, { tenantId: w.tenantId, first: 2, after }, w.viewer);
      expect(r.errors).toBeUndefined();
      const page: any = r.data!.databaseConnections;
      seen.push(...page.items.map((i: { id: string }) => i.id));
      more.push(page.pageInfo.hasNextPage);
      after = page.pageInfo.hasNextPage ? page.pageInfo.endCursor : null;
    } while (after);
    expect(seen).toEqual(await idsInOrder(w.tenantId));
    expect(new Set(seen).size).toBe(5);
    expect(more).toEqual([true, true, false]);
  });

  it('returns every field, the active jobs (QUEUED and RUNNING only, in id order) and no other tenant', async () => {
    const { database, secrets } = await getHarness();
    const w = await dbWorld();
    await dbWorld();
    const bare = await createDatabaseConnection(database.db, secrets, {
      tenantId: w.tenantId,
      name: 'bare',
      type: 'MONGODB',
      host: '10.1.2.3',
      port: 27017,
      databaseName: 'events',
      username: 'events',
    });
    const statusOf: Record<string, string> = {
      [await addJob(w.tenantId, w.connectionId, 'RUNNING')]: 'RUNNING',
      [await addJob(w.tenantId, w.connectionId, 'QUEUED')]: 'QUEUED',
    };
    await addJob(w.tenantId, w.connectionId, 'SUCCEEDED');
    await addJob(w.tenantId, bare, 'CANCELLED');

    const r = await gql(LIST, { tenantId: w.tenantId }, w.viewer);
    expect(r.errors).toBeUndefined();
    // As a client receives it over HTTP (timestamps as ISO strings).
    const items = JSON.parse(JSON.stringify(r.data!.databaseConnections.items));
    expect(items.map((i: any) => i.id).sort()).toEqual([w.connectionId, bare].sort());
    const full = items.find((i: any) => i.id === w.connectionId);
    expect(full).toEqual({
      id: w.connectionId,
      tenantId: w.tenantId,
      version: 1,
      createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      updatedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      name: 'connection-0',
      type: 'POSTGRESQL',
      host: 'db.example.com',
      port: 5432,
      databaseName: 'app',
      username: 'app',
      hasPassword: true,
      schema: 'public',
      ssl: {
        enabled: true,
        mode: 'REQUIRE',
        caCertificate: null,
        clientCertificate: null,
        hasClientKey: false,
      },
      metadata: { environment: 'test' },
      productName: 'Insights',
      activeJobs: Object.keys(statusOf)
        .sort()
        .map((id) => ({ id, status: statusOf[id], createdAt: expect.stringMatching(/^\d{4}-/) })),
    });
    expect(items.find((i: any) => i.id === bare)).toMatchObject({
      type: 'MONGODB',
      hasPassword: false,
      schema: null,
      ssl: null,
      metadata: {},
      productName: '',
      activeJobs: [],
    });
  });

  it('refuses first outside 1..100, a forged cursor and a malformed tenant id with BAD_USER_INPUT', async () => {
    const w = await dbWorld();
    for (const vars of [
      { first: 0 },
      { first: 101 },
      { after: 'not-a-cursor' },
      { tenantId: 'Not A Tenant' },
    ]) {
      const r = await gql(LIST, { tenantId: w.tenantId, ...vars }, w.viewer);
      expect(r.errors?.[0].extensions?.code, JSON.stringify(vars)).toBe('BAD_USER_INPUT');
    }
    expect(
      (await gql(LIST, { tenantId: w.tenantId, first: 100 }, w.viewer)).errors,
    ).toBeUndefined();
  });

  it('is UNAUTHENTICATED without credentials and FORBIDDEN outside the tenant or without connections:read', async () => {
    const w = await dbWorld();
    const other = await dbWorld();
    expect((await gql(LIST, { tenantId: w.tenantId })).errors?.[0].extensions?.code).toBe(
      'UNAUTHENTICATED',
    );
    expect(
      (await gql(LIST, { tenantId: w.tenantId }, other.admin)).errors?.[0].extensions?.code,
    ).toBe('FORBIDDEN');
    const writer = await newApiKey(w.tenantId, ['connections:write']);
    expect((await gql(LIST, { tenantId: w.tenantId }, writer)).errors?.[0].extensions?.code).toBe(
      'FORBIDDEN',
    );
  });

  it('answers a page of 10 and a page of 100, every nested field selected, with the same few statements', async () => {
    const w = await dbWorld({ connections: 100 });
    // Give every connection active jobs, so the nested field has rows to batch.
    for (const [i, id] of w.connectionIds.entries()) {
      await addJob(w.tenantId, id, i % 2 === 0 ? 'RUNNING' : 'QUEUED');
    }
    const run = (first: number) =>
      countStatements(async () => {
        const r = await gql(LIST, { tenantId: w.tenantId, first }, w.viewer);
        expect(r.errors).toBeUndefined();
        const items = r.data!.databaseConnections.items;
        expect(items).toHaveLength(first);
        expect(items.every((i: any) => i.activeJobs.length === 1)).toBe(true);
        return items;
      });
    const ten = await run(10);
    const hundred = await run(100);
    expect(hundred.statements.length).toBe(ten.statements.length);
    // The key lookup, then the page with its active jobs: one statement (page-parts.ts).
    expect(hundred.statements).toHaveLength(2);
    expect(hundred.statements[1]).toContain('from "database_connections"');
    expect(hundred.statements[1]).toContain('from "database_jobs"');
  });
});

describe('databaseConnections reads the active jobs its selection asks for with the page', () => {
  const WITHOUT_JOBS = /* GraphQL */ `
    fragment Connection on DatabaseConnection {
      ${CONNECTION_FIELDS.replace(/activeJobs \{[^}]*\}/, '')}
    }
  `;
  const PAGE = /* GraphQL */ `
    query Page($tenantId: ID!, $withJobs: Boolean!) {
      databaseConnections(tenantId: $tenantId, first: 100) {
        items {
          ...Connection
          busy: activeJobs @include(if: $withJobs) {
            id
            status
            createdAt
          }
        }
      }
    }
    ${WITHOUT_JOBS}
  `;

  /** Connections with two, one and no active jobs (the last has only a finished one). */
  async function jobsWorld() {
    const w = await dbWorld({ connections: 3 });
    const [two, one, none] = w.connectionIds;
    await addJob(w.tenantId, two, 'QUEUED');
    await addJob(w.tenantId, two, 'RUNNING');
    await addJob(w.tenantId, one, 'RUNNING');
    await addJob(w.tenantId, none, 'SUCCEEDED');
    return w;
  }

  it('answers in one statement with the page exactly what the same connections answer one at a time', async () => {
    const w = await jobsWorld();
    // The key lookup, then the page with its active jobs; none loads on its own.
    const vars = { tenantId: w.tenantId, withJobs: true };
    const page = await pageStatements(2, 'database_jobs', true, PAGE, vars, w.viewer);
    const items = page.databaseConnections.items;
    expect(items.map((i: any) => i.busy.length).sort()).toEqual([0, 1, 2]);
    await sameOneByOne(items, 'databaseConnection', 'database_jobs', (item) => [
      /* GraphQL */ `
        query One($connectionId: ID!) {
          databaseConnection(connectionId: $connectionId) {
            ...Connection
            busy: activeJobs {
              id
              status
              createdAt
            }
          }
        }
        ${WITHOUT_JOBS}
      `,
      { connectionId: item.id },
      w.viewer,
    ]);
  });

  it('reads no job for a page that leaves activeJobs out or does not select it', async () => {
    const w = await jobsWorld();
    const vars = { tenantId: w.tenantId, withJobs: false };
    const left = await pageStatements(2, 'database_jobs', false, PAGE, vars, w.viewer);
    expect(left.databaseConnections.items[0].busy).toBeUndefined();
    const plain = 'query($t: ID!) { databaseConnections(tenantId: $t) { items { id name } } }';
    await pageStatements(2, 'database_jobs', false, plain, { t: w.tenantId }, w.viewer);
  });
});

describe('databaseConnection', () => {
  it('returns a connection of any tenant where the caller may read, with every field', async () => {
    const w = await dbWorld();
    const job = await addJob(w.tenantId, w.connectionId, 'RUNNING');
    const r = await gql(ONE, { connectionId: w.connectionId.toUpperCase() }, w.viewer);
    expect(r.errors).toBeUndefined();
    expect(r.data!.databaseConnection).toMatchObject({
      id: w.connectionId,
      tenantId: w.tenantId,
      name: 'connection-0',
      hasPassword: true,
      activeJobs: [{ id: job, status: 'RUNNING' }],
    });
  });

  it("is null for a random id, a malformed id, another tenant's connection, or a member without connections:read", async () => {
    const w = await dbWorld();
    const other = await dbWorld();
    for (const connectionId of [randomUUID(), 'not-a-uuid', other.connectionId]) {
      const r = await gql(ONE, { connectionId }, w.viewer);
      expect(r.errors).toBeUndefined();
      expect(r.data!.databaseConnection).toBeNull();
    }
    const writer = await newApiKey(w.tenantId, ['connections:write']);
    const r = await gql(ONE, { connectionId: w.connectionId }, writer);
    expect(r.errors).toBeUndefined();
    expect(r.data!.databaseConnection).toBeNull();
  });

  it('is UNAUTHENTICATED without credentials', async () => {
    const w = await dbWorld();
    expect((await gql(ONE, { connectionId: w.connectionId })).errors?.[0].extensions?.code).toBe(
      'UNAUTHENTICATED',
    );
  });

  it('shows a patch at once, and the patch shows up in auditEvents', async () => {
    const w = await dbWorld();
    await patchDb(w.connectionId, { name: 'renamed', metadata: { k: 'v' } }, w.admin);
    const r = await gql(ONE, { connectionId: w.connectionId }, w.viewer);
    expect(r.data!.databaseConnection).toMatchObject({
      name: 'renamed',
      metadata: { k: 'v' },
      version: 2,
    });
    const audit = await gql(
      `query($id: ID!) { auditEvents(resourceId: $id) { items { resourceType operation changedFields fromVersion toVersion tenantId } } }`,
      { id: w.connectionId },
      w.viewer,
    );
    expect(audit.data!.auditEvents.items).toEqual([
      {
        resourceType: 'DatabaseConnection',
        operation: 'patchDatabaseConnection',
        changedFields: ['name', 'metadata'],
        fromVersion: 1,
        toVersion: 2,
        tenantId: w.tenantId,
      },
    ]);
  });
});
