/**
 * What the bench sends: four scenarios, each a GraphQL document for the gateway and the path
 * of the baseline's hand-written twin, plus a generator of random valid requests over the
 * seeded rows. The gateway and the baseline get byte-for-byte the same kind of body (the
 * GraphQL request JSON) and the same headers.
 */
import type { Fixture } from './seed.js';

export type ScenarioId =
  'updateOesConnection' | 'patchDatabaseConnection' | 'orgConnections' | 'connectorConnections';

export interface BenchRequest {
  authorization: string;
  body: string;
}

export interface Scenario {
  id: ScenarioId;
  kind: 'mutation' | 'read';
  /** The root field (also the key under `data` in both answers). */
  field: string;
  query: string;
  baselinePath: string;
  /** A random valid request. */
  next(): BenchRequest;
  /** A fixed request (for the statement capture and the JSON comparison). */
  probe(which: 0 | 1): BenchRequest;
  /** Whether a 200 response body is the success the request should get. */
  ok(body: string): boolean;
}

const UPDATE_OES = `mutation BenchUpdateOes($enterpriseId: ID!, $connectionId: ID!, $input: UpdateOesConnectionInput!) {
  updateOesConnection(enterpriseId: $enterpriseId, connectionId: $connectionId, input: $input) {
    __typename
    ... on UpdateOesConnectionSuccess { connection { id name active version updatedAt } }
    ... on Error { code message }
  }
}`;

const PATCH_DATABASE = `mutation BenchPatchDatabase($connectionId: ID!, $input: PatchDatabaseConnectionInput!) {
  patchDatabaseConnection(connectionId: $connectionId, input: $input) {
    __typename
    ... on PatchDatabaseConnectionSuccess { connection { id name port version updatedAt } }
    ... on Error { code message }
  }
}`;

/** `orgConnections(first: 100)` with the App (and its auth configs) and the boards. */
const ORG_CONNECTIONS = `query BenchOrgConnections($organisationId: ID!, $first: Int) {
  orgConnections(organisationId: $organisationId, first: $first) {
    items {
      id orgId name credentialId hasApiKey version createdAt updatedAt
      app { id name deletedAt supportedAuthConfigs { type isValid } }
      usedByBoards { id name }
    }
    pageInfo { endCursor hasNextPage }
  }
}`;

/** `connectorConnections(first: 100)` with every nested field docs/contract.md names. */
const CONNECTOR_CONNECTIONS = `query BenchConnectorConnections($organisationId: ID!, $first: Int) {
  connectorConnections(organisationId: $organisationId, first: $first) {
    items {
      id name version createdAt updatedAt
      connector { id name protocol }
      credentials {
        action { ...BenchSlot }
        trigger { ...BenchSlot }
      }
      variables { name value }
    }
    pageInfo { endCursor hasNextPage }
  }
}
fragment BenchSlot on ConnectionCredential {
  id
  authSchemeConfig { id schemeType description validationMessages { text severity detail } }
  credential {
    id type name errors expiresAt
    usages { connection { id name connector { id name } } }
  }
}`;

const pick = <T>(list: readonly T[]): T => list[Math.floor(Math.random() * list.length)];

/** Names unique across the whole run (database names must be unique per tenant, ignoring case). */
let counter = 0;
const runTag = Date.now().toString(36);
const uniqueName = (prefix: string) =>
  `${prefix}-${runTag}-${(counter++).toString(36)}-${Math.random().toString(36).slice(2, 8)}`;

const body = (query: string, variables: Record<string, unknown>) =>
  JSON.stringify({ query, variables });

export function scenarios(fixture: Fixture): Scenario[] {
  const byTenant = new Map(fixture.tenants.map((t) => [t.id, t]));
  const bearer = (tenantId: string) => `Bearer ${byTenant.get(tenantId)!.apiKey}`;
  const success = (typename: string) => {
    const marker = `"__typename":"${typename}"`;
    return (b: string) => b.includes(marker) && !b.includes('"errors":[{');
  };
  const page = (field: string) => {
    const start = `{"data":{"${field}":{"items":[`;
    // A GraphQL error object always has a message; a Credential's `errors` is a string list.
    return (b: string) => b.startsWith(start) && !b.includes('"errors":[{');
  };
  const { probe } = fixture;

  return [
    {
      id: 'updateOesConnection',
      kind: 'mutation',
      field: 'updateOesConnection',
      query: UPDATE_OES,
      baselinePath: '/oes',
      next() {
        const tenant = pick(fixture.tenants);
        return {
          authorization: bearer(tenant.id),
          body: body(UPDATE_OES, {
            enterpriseId: tenant.id,
            connectionId: pick(tenant.oesIds),
            input: { name: uniqueName('OES'), active: Math.random() < 0.5 },
          }),
        };
      },
      probe: (which) => ({
        authorization: bearer(probe.tenantId),
        body: body(UPDATE_OES, {
          enterpriseId: probe.tenantId,
          connectionId: probe.oes[which],
          // Seeded active: both probes change name and active (the widest UPDATE).
          input: { name: uniqueName('OES probe'), active: false },
        }),
      }),
      ok: success('UpdateOesConnectionSuccess'),
    },
    {
      id: 'patchDatabaseConnection',
      kind: 'mutation',
      field: 'patchDatabaseConnection',
      query: PATCH_DATABASE,
      baselinePath: '/db',
      next() {
        const tenant = pick(fixture.tenants);
        return {
          authorization: bearer(tenant.id),
          body: body(PATCH_DATABASE, {
            connectionId: pick(tenant.databaseIds),
            input: { name: uniqueName('db'), port: 1024 + Math.floor(Math.random() * 64_000) },
          }),
        };
      },
      probe: (which) => ({
        authorization: bearer(probe.tenantId),
        body: body(PATCH_DATABASE, {
          connectionId: probe.database[which],
          input: { name: uniqueName('db-probe'), port: 65_000 + which },
        }),
      }),
      ok: success('PatchDatabaseConnectionSuccess'),
    },
    {
      id: 'orgConnections',
      kind: 'read',
      field: 'orgConnections',
      query: ORG_CONNECTIONS,
      baselinePath: '/read/org',
      next() {
        const tenant = pick(fixture.tenants);
        return {
          authorization: bearer(tenant.id),
          body: body(ORG_CONNECTIONS, { organisationId: tenant.id, first: 100 }),
        };
      },
      probe: (which) => {
        const tenant = fixture.tenants[which];
        return {
          authorization: bearer(tenant.id),
          body: body(ORG_CONNECTIONS, { organisationId: tenant.id, first: 100 }),
        };
      },
      ok: page('orgConnections'),
    },
    {
      id: 'connectorConnections',
      kind: 'read',
      field: 'connectorConnections',
      query: CONNECTOR_CONNECTIONS,
      baselinePath: '/read/connectors',
      next() {
        const tenant = pick(fixture.tenants);
        return {
          authorization: bearer(tenant.id),
          body: body(CONNECTOR_CONNECTIONS, { organisationId: tenant.id, first: 100 }),
        };
      },
      probe: (which) => {
        const tenant = fixture.tenants[which];
        return {
          authorization: bearer(tenant.id),
          body: body(CONNECTOR_CONNECTIONS, { organisationId: tenant.id, first: 100 }),
        };
      },
      ok: page('connectorConnections'),
    },
  ];
}
