import { expect } from 'vitest';
import { createDatabaseConnection, createDatabaseJob } from '../../src/demo/builders.js';
import { getHarness, gql, newApiKey, newTenant, ERROR_SELECTION } from './harness.js';

/** Every field of a connection, nested ones included. */
export const CONNECTION_FIELDS = /* GraphQL */ `
  id tenantId version createdAt updatedAt name type host port databaseName username hasPassword
  schema ssl { enabled mode caCertificate clientCertificate hasClientKey } metadata productName
  activeJobs { id status createdAt }
`;

export const PATCH_DB = /* GraphQL */ `
  mutation Patch($connectionId: ID!, $input: PatchDatabaseConnectionInput!) {
    patchDatabaseConnection(connectionId: $connectionId, input: $input) {
      __typename
      ... on PatchDatabaseConnectionSuccess { connection { ${CONNECTION_FIELDS} } }
      ${ERROR_SELECTION}
    }
  }
`;

/**
 * Runs `patchDatabaseConnection` (through `run`, the harness's gateway by default), asserts no
 * top-level error, returns the union member.
 */
export async function patchDb(
  connectionId: string,
  input: Record<string, unknown>,
  token?: string,
  run: typeof gql = gql,
): Promise<Record<string, any>> {
  const r = await run(PATCH_DB, { connectionId, input }, token);
  expect(r.errors, JSON.stringify(r.errors)).toBeUndefined();
  return r.data!.patchDatabaseConnection;
}

/** A syntactically valid PEM certificate (not a real one: nothing here parses DER). */
export const CERT_PEM = [
  '-----BEGIN CERTIFICATE-----',
  'MIIBszCCAVmgAwIBAgIUQm9ndXMgdGVzdCBjZXJ0aWZpY2F0ZTAKBggqhkjOPQQD',
  'AjAPMQ0wCwYDVQQDDAR0ZXN0MB4XDTI2MDEwMTAwMDAwMFoXDTM2MDEwMTAwMDAw',
  '-----END CERTIFICATE-----',
].join('\n');

export const CA_PEM = [
  '-----BEGIN CERTIFICATE-----',
  'MIIBtDCCAVmgAwIBAgIUQ2EgdGVzdCBjZXJ0aWZpY2F0ZSBib2d1czAKBggqhkjO',
  '-----END CERTIFICATE-----',
].join('\n');

/** A PEM private key whose body carries `canary`, to prove it never comes back. */
export const keyPem = (canary: string) =>
  [
    '-----BEGIN PRIVATE KEY-----',
    Buffer.from(`key material ${canary}`).toString('base64'),
    '-----END PRIVATE KEY-----',
  ].join('\n');

/** A tenant with `connections` database connections, an admin key and a viewer key. */
export async function dbWorld(
  options: { connections?: number; password?: string | null; names?: string[] } = {},
) {
  const { database, secrets } = await getHarness();
  const tenantId = await newTenant();
  const connectionIds: string[] = [];
  const count = options.names?.length ?? options.connections ?? 1;
  for (let i = 0; i < count; i++) {
    connectionIds.push(
      await createDatabaseConnection(database.db, secrets, {
        tenantId,
        name: options.names?.[i] ?? `connection-${i}`,
        type: 'POSTGRESQL',
        host: 'db.example.com',
        port: 5432,
        databaseName: 'app',
        username: 'app',
        password: options.password === undefined ? 'initial-password' : options.password,
        schema: 'public',
        ssl: { enabled: true, mode: 'REQUIRE' },
        metadata: { environment: 'test' },
        productName: 'Insights',
      }),
    );
  }
  const admin = await newApiKey(tenantId, ['connections:read', 'connections:write']);
  const viewer = await newApiKey(tenantId, ['connections:read']);
  return { tenantId, connectionId: connectionIds[0], connectionIds, admin, viewer };
}

/** Adds a job to a connection with the demo builder (no locking protocol: test data only). */
export async function addJob(
  tenantId: string,
  connectionId: string,
  status: string,
): Promise<string> {
  const { database } = await getHarness();
  return createDatabaseJob(database.db, { tenantId, connectionId, status });
}

/** The connection's row, its jobs and its audit events, to prove a failure changed nothing. */
export async function dbSnapshot(tenantId: string, connectionId: string) {
  const { database } = await getHarness();
  const row = await database.db
    .selectFrom('database_connections')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('id', '=', connectionId)
    .executeTakeFirst();
  const jobs = await database.db
    .selectFrom('database_jobs')
    .selectAll()
    .where('connection_id', '=', connectionId)
    .orderBy('id')
    .execute();
  const events = await database.db
    .selectFrom('audit_events')
    .selectAll()
    .where('resource_id', '=', connectionId)
    .orderBy('to_version')
    .execute();
  return { row, jobs, events };
}

/** Opens the sealed secrets of a row with the test keys (as the gateway would). */
export async function openSecrets(tenantId: string, connectionId: string) {
  const { secrets } = await getHarness();
  const { row } = await dbSnapshot(tenantId, connectionId);
  const open = (sealed: string | null | undefined, field: string) =>
    sealed
      ? secrets.open(sealed, {
          tenantId,
          resourceType: 'DatabaseConnection',
          resourceId: connectionId,
          field,
        })
      : null;
  return {
    password: open(row?.password_enc, 'password'),
    clientKey: open(row?.ssl_client_key_enc, 'sslClientKey'),
  };
}
