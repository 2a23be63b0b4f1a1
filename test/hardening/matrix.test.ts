import { randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { revokeApiKey } from '../../db/queries/identity.js';
import { hashApiKey } from '../../src/auth/api-keys.js';
import {
  createApp,
  createConnectorWithConnection,
  createDatabaseConnection,
  createNexusClient,
  createNexusConnection,
  createOesConnection,
  createOesPartner,
  createOrgConnection,
} from '../../src/demo/builders.js';
import { getHarness, gql, newApiKey, newTenant, TEST_JWT_SECRET } from '../helpers/harness.js';

/**
 * Every operation × every kind of caller × own, foreign and random ids gives exactly the
 * outcome of docs/contract.md's check order (credentials → input → membership → permission → licence →
 * existence), and a foreign id is answered exactly like a random one.
 */
type Principal = 'admin' | 'viewer' | 'owner' | 'other' | 'anonymous' | 'expiredJwt' | 'revokedKey';
type IdKind = 'own' | 'foreign' | 'random';
const PRINCIPALS: Principal[] = [
  'admin',
  'viewer',
  'owner',
  'other',
  'anonymous',
  'expiredJwt',
  'revokedKey',
];
const ID_KINDS: IdKind[] = ['own', 'foreign', 'random'];

interface TenantWorld {
  tenantId: string;
  oes: string;
  nexus: string;
  org: string;
  db: string;
  connector: string;
  connectorConnection: string;
}

async function tenantWorld(ownerId: string): Promise<TenantWorld> {
  const { database, secrets } = await getHarness();
  const db = database.db;
  const tenantId = await newTenant(['oes']);
  const partnerId = await createOesPartner(db, { tenantId, name: 'Venue' });
  const oes = await createOesConnection(db, { tenantId, partnerId, name: 'oes' });
  await createNexusClient(db, {
    tenantId,
    id: 'mobile',
    name: 'Mobile',
    ownerPrincipalId: ownerId,
  });
  const nexus = await createNexusConnection(db, {
    tenantId,
    name: 'nexus',
    clients: [{ clientId: 'mobile', enabled: true }],
  });
  const app = await createApp(db, secrets, {
    tenantId,
    name: 'App',
    authConfigs: [{ type: 'apikey', isValid: true }],
  });
  const org = await createOrgConnection(db, secrets, {
    tenantId,
    appId: app.appId,
    authConfigId: app.authConfigIds[0],
    name: 'org',
    apiKey: 'k',
  });
  const dbc = await createDatabaseConnection(db, secrets, {
    tenantId,
    name: `db-${randomUUID().slice(0, 8)}`,
  });
  const cc = await createConnectorWithConnection(db, secrets, {
    tenantId,
    connectorName: 'Shop',
    connectionName: 'shop',
    action: [{ credential: 'token', schemeType: 'api-key' }],
    trigger: [],
  });
  return {
    tenantId,
    oes,
    nexus,
    org,
    db: dbc,
    connector: cc.connectorId,
    connectorConnection: cc.connectionId,
  };
}

let a: TenantWorld;
let b: TenantWorld;
const tokens = {} as Record<Principal, string | undefined>;

beforeAll(async () => {
  const ownerId = `p-${randomUUID()}`;
  a = await tenantWorld(ownerId);
  b = await tenantWorld(ownerId); // the same principal id owns B's client: ownership is per tenant
  tokens.admin = await newApiKey(a.tenantId, [
    'connections:read',
    'connections:write',
    'client.write.all',
  ]);
  tokens.viewer = await newApiKey(a.tenantId, ['connections:read']);
  tokens.owner = await newApiKey(a.tenantId, ['connections:read', 'client.write'], {
    principalId: ownerId,
  });
  tokens.other = await newApiKey(b.tenantId, [
    'connections:read',
    'connections:write',
    'client.write.all',
  ]);
  tokens.anonymous = undefined;
  tokens.expiredJwt = await new SignJWT({
    sub: 'late',
    memberships: [
      {
        tenantId: a.tenantId,
        permissions: ['connections:read', 'connections:write', 'client.write.all'],
      },
    ],
  })
    .setProtectedHeader({ alg: 'HS256' })
    .setExpirationTime(Math.floor(Date.now() / 1000) - 10)
    .sign(new TextEncoder().encode(TEST_JWT_SECRET));
  tokens.revokedKey = await newApiKey(a.tenantId, [
    'connections:read',
    'connections:write',
    'client.write.all',
  ]);
  const { database } = await getHarness();
  const row = await database.db
    .selectFrom('api_keys')
    .select('id')
    .where('key_hash', '=', hashApiKey(tokens.revokedKey))
    .executeTakeFirstOrThrow();
  await revokeApiKey(database.db, row.id);
});

type IdField = 'oes' | 'nexus' | 'org' | 'db' | 'connectorConnection';
const idFor = (kind: IdKind, field: IdField) =>
  kind === 'own' ? a[field] : kind === 'foreign' ? b[field] : randomUUID();

interface Operation {
  name: string;
  field: IdField;
  /** Whether the tenant is named in the arguments (else the id alone is looked up). */
  namesTenant: boolean;
  mutation: (id: string) => { query: string; variables: Record<string, unknown> };
  single: (id: string) => { query: string; variables: Record<string, unknown> };
  /** Which callers may perform the mutation on an existing own connection. */
  allowed: Principal[];
}

const result = `{ __typename ... on Error { code message } ... on PermissionDeniedError { requiredPermissions } ... on NotFoundError { resourceType resourceId } }`;
const OPERATIONS: Operation[] = [
  {
    name: 'updateOesConnection',
    field: 'oes',
    namesTenant: true,
    allowed: ['admin'],
    mutation: (id) => ({
      query: `mutation($t: ID!, $id: ID!) { updateOesConnection(enterpriseId: $t, connectionId: $id, input: { name: "${randomUUID()}" }) ${result} }`,
      variables: { t: a.tenantId, id },
    }),
    single: (id) => ({
      query: `query($t: ID!, $id: ID!) { x: oesConnection(enterpriseId: $t, connectionId: $id) { id } }`,
      variables: { t: a.tenantId, id },
    }),
  },
  {
    name: 'setConnectionClientEnabled',
    field: 'nexus',
    namesTenant: true,
    allowed: ['admin', 'owner'],
    mutation: (id) => ({
      query: `mutation($t: ID!, $id: ID!) { setConnectionClientEnabled(tenantId: $t, connectionId: $id, input: { clientId: "mobile", enabled: ${Math.random() < 0.5} }) ${result} }`,
      variables: { t: a.tenantId, id },
    }),
    single: (id) => ({
      query: `query($t: ID!, $id: ID!) { x: nexusConnection(tenantId: $t, connectionId: $id) { id } }`,
      variables: { t: a.tenantId, id },
    }),
  },
  {
    name: 'replaceOrgConnection',
    field: 'org',
    namesTenant: true,
    allowed: ['admin'],
    mutation: (id) => ({
      query: `mutation($t: ID!, $id: ID!) { replaceOrgConnection(organisationId: $t, connectionId: $id, input: { name: "${randomUUID()}", data: { apiKey: "k2" } }) ${result} }`,
      variables: { t: a.tenantId, id },
    }),
    single: (id) => ({
      query: `query($t: ID!, $id: ID!) { x: orgConnection(organisationId: $t, connectionId: $id) { id } }`,
      variables: { t: a.tenantId, id },
    }),
  },
  {
    name: 'patchDatabaseConnection',
    field: 'db',
    namesTenant: false,
    allowed: ['admin'],
    mutation: (id) => ({
      query: `mutation($id: ID!) { patchDatabaseConnection(connectionId: $id, input: { port: ${1000 + Math.floor(Math.random() * 60000)} }) ${result} }`,
      variables: { id },
    }),
    single: (id) => ({
      query: `query($id: ID!) { x: databaseConnection(connectionId: $id) { id } }`,
      variables: { id },
    }),
  },
  {
    name: 'updateConnectorConnection',
    field: 'connectorConnection',
    namesTenant: true,
    allowed: ['admin'],
    mutation: (id) => ({
      query: `mutation($t: ID!, $c: ID!, $id: ID!) { updateConnectorConnection(organisationId: $t, connectorId: $c, connectionId: $id, input: { name: "${randomUUID()}" }) ${result} }`,
      variables: { t: a.tenantId, c: a.connector, id },
    }),
    single: (id) => ({
      query: `query($t: ID!, $c: ID!, $id: ID!) { x: connectorConnection(organisationId: $t, connectorId: $c, connectionId: $id) { id } }`,
      variables: { t: a.tenantId, c: a.connector, id },
    }),
  },
];

const unauthenticated: Principal[] = ['anonymous', 'expiredJwt', 'revokedKey'];

/** SPEC's check order, written out for one case. */
function expectedMutation(op: Operation, p: Principal, kind: IdKind): string {
  if (unauthenticated.includes(p)) return 'AuthenticationError';
  if (op.namesTenant) {
    if (p === 'other') return 'AuthenticationError'; // not a member of the named tenant
    if (!op.allowed.includes(p)) return 'PermissionDeniedError'; // permission before existence
    return kind === 'own' ? `${capitalise(op.name)}Success` : 'NotFoundError';
  }
  // Looked up by id in the caller's tenants: anything outside them does not exist.
  const visible = (p === 'other' && kind === 'foreign') || (p !== 'other' && kind === 'own');
  if (!visible) return 'NotFoundError';
  return op.allowed.includes(p) || p === 'other'
    ? `${capitalise(op.name)}Success`
    : 'PermissionDeniedError';
}

function expectedSingle(
  op: Operation,
  p: Principal,
  kind: IdKind,
): 'UNAUTHENTICATED' | 'FORBIDDEN' | 'object' | 'null' {
  if (unauthenticated.includes(p)) return 'UNAUTHENTICATED';
  if (op.namesTenant) {
    if (p === 'other') return 'FORBIDDEN';
    return kind === 'own' ? 'object' : 'null';
  }
  const visible = (p === 'other' && kind === 'foreign') || (p !== 'other' && kind === 'own');
  return visible ? 'object' : 'null';
}

const capitalise = (s: string) => s[0].toUpperCase() + s.slice(1);

describe('the access matrix', () => {
  for (const op of OPERATIONS) {
    for (const p of PRINCIPALS) {
      it(`${op.name} as ${p}`, async () => {
        const outcomes: Record<IdKind, any> = {} as never;
        for (const kind of ID_KINDS) {
          const { query, variables } = op.mutation(idFor(kind, op.field));
          const r = await gql(query, variables, tokens[p]);
          expect(r.errors, JSON.stringify(r.errors)).toBeUndefined();
          outcomes[kind] = r.data![op.name];
          expect(outcomes[kind].__typename, `${kind} id`).toBe(expectedMutation(op, p, kind));

          const single = op.single(idFor(kind, op.field));
          const s = await gql(single.query, single.variables, tokens[p]);
          const got = s.errors?.[0]?.extensions?.code ?? (s.data?.x ? 'object' : 'null');
          expect(got, `${kind} id, query`).toBe(expectedSingle(op, p, kind));
        }
        // A foreign id is answered exactly like a random one (only the echoed id differs).
        const strip = (o: any) => ({ ...o, resourceId: undefined });
        if (expectedMutation(op, p, 'foreign') === expectedMutation(op, p, 'random')) {
          expect(strip(outcomes.foreign)).toEqual(strip(outcomes.random));
        }
      });
    }
  }
});
