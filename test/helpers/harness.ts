import { randomBytes, randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import { exportSPKI, generateKeyPair, type CryptoKey } from 'jose';
import { pino } from 'pino';
import type { GraphQLSchema } from 'graphql';
import { expect } from 'vitest';
import { createDb, type Db } from '../../db/connect.js';
import { migrateToLatest } from '../../db/migrate.js';
import type { Permission } from '../../src/auth/principal.js';
import { SecretBox } from '../../src/crypto/secret-box.js';
import { createPrincipalWithKey, createTenant } from '../../src/demo/builders.js';
import { buildGatewaySchema } from '../../resolvers/schema.js';
import { createGateway, type Gateway, type GatewayOptions } from '../../src/server.js';

/**
 * One database and one gateway per test worker (PGlite in memory, or the server named by
 * `TEST_DATABASE_URL`), shared by every test in it; each test makes its own tenants, so
 * tests never see each other's rows.
 */

export const TEST_JWT_SECRET = 'test-jwt-secret-of-at-least-thirty-two-bytes!!';
export const TEST_SECRET_KEYS = [{ id: 'test1', key: Buffer.alloc(32, 7) }];
/**
 * `SECRETS_KEY` for gateway processes on the test database: the same keys under the same ids,
 * so their start-up key check opens what the in-process harness sealed.
 */
export const TEST_SECRETS_KEY_ENV = TEST_SECRET_KEYS.map(
  (k) => `${k.id}:${k.key.toString('base64')}`,
).join(',');

export interface Harness {
  database: Db;
  gateway: Gateway;
  secrets: SecretBox;
  /** Every log line the gateway wrote, parsed. */
  logs: Record<string, unknown>[];
  /** Every SQL statement Kysely ran (cleared by `countStatements`). */
  statements: string[];
  ecKey: { privateKey: CryptoKey; publicKeyPem: string };
}

let harness: Promise<Harness> | undefined;

/** CI runs the suite a second time on the libraries' own paths (the README's escape hatch). */
export const testExecutor =
  process.env.GATEWAY_EXECUTOR === 'graphql-js' ? 'graphql-js' : ('graphql-jit' as const);

let schema: Promise<GraphQLSchema> | undefined;

/** The schema every gateway of this worker runs, built once, for the executor under test. */
export function testSchema(): Promise<GraphQLSchema> {
  schema ??= buildGatewaySchema({ callDirectly: testExecutor !== 'graphql-js' });
  return schema;
}

export function getHarness(): Promise<Harness> {
  harness ??= build();
  return harness;
}

async function build(): Promise<Harness> {
  const statements: string[] = [];
  const database = await createDb({
    databaseUrl: process.env.TEST_DATABASE_URL,
    poolSize: 10,
    onQuery: (sql) => statements.push(sql),
  });
  if (database.kind === 'pglite') await migrateToLatest(database.db);
  const logs: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      for (const line of String(chunk).split('\n')) if (line) logs.push(JSON.parse(line));
      done();
    },
  });
  const { privateKey, publicKey } = await generateKeyPair('ES256');
  const publicKeyPem = await exportSPKI(publicKey);
  const gateway = await createGateway({
    schema: await testSchema(),
    db: database.db,
    logger: pino({ level: 'info', base: undefined }, sink),
    production: false,
    secretKeys: TEST_SECRET_KEYS,
    jwtSecret: TEST_JWT_SECRET,
    jwtPublicKey: publicKeyPem,
    executor: testExecutor,
    listen: database.listen,
  });
  return {
    database,
    gateway,
    secrets: new SecretBox(TEST_SECRET_KEYS),
    logs,
    statements,
    ecKey: { privateKey, publicKeyPem },
  };
}

/** A fresh tenant id, unique across workers and runs. */
export const newTenantId = (): string => `t-${randomBytes(6).toString('hex')}`;

/** Creates a tenant with the given entitlements and returns its id. */
export async function newTenant(entitlements: string[] = []): Promise<string> {
  const { database } = await getHarness();
  const id = newTenantId();
  await createTenant(database.db, { id, entitlements });
  return id;
}

/** Creates a principal with an API key with these rights in one tenant (or several); returns the key. */
export async function newApiKey(
  tenantId: string | string[],
  permissions: Permission[],
  options: { principalId?: string; expiresAt?: Date | null } = {},
): Promise<string> {
  const { database } = await getHarness();
  const principalId = options.principalId ?? `p-${randomUUID()}`;
  const key = `cgw_test_${randomBytes(16).toString('hex')}`;
  await createPrincipalWithKey(database.db, {
    principalId,
    key,
    memberships: [tenantId].flat().map((t) => ({ tenantId: t, permissions })),
    expiresAt: options.expiresAt,
  });
  return key;
}

/** Every error type's fields, for the selection of a mutation's result union. */
export const ERROR_SELECTION = /* GraphQL */ `
  ... on Error { code message }
  ... on InvalidInputError { fieldErrors { path code message } }
  ... on PermissionDeniedError { requiredPermissions requiredLicence }
  ... on NotFoundError { resourceType resourceId }
  ... on ConflictError { reason currentVersion activeJobIds }
`;

export interface GqlResult {
  data?: Record<string, any> | null;
  errors?: { message: string; extensions?: Record<string, any>; path?: unknown[] }[];
}

/** Runs one operation through Apollo with the context a real request with `token` gets. */
export async function gql(
  query: string,
  variables: Record<string, unknown> = {},
  token?: string,
): Promise<GqlResult> {
  const { gateway } = await getHarness();
  return execute(gateway, query, variables, token ? `Bearer ${token}` : undefined);
}

/** Runs one operation on `gateway` with the context a request with this header gets. */
export async function execute(
  gateway: Gateway,
  query: string,
  variables: Record<string, unknown>,
  authorization: string | undefined,
): Promise<GqlResult> {
  const contextValue = await gateway.contextFor({ authorization });
  const response = await gateway.apollo.executeOperation({ query, variables }, { contextValue });
  if (response.body.kind !== 'single') throw new Error('expected a single result');
  return response.body.singleResult as GqlResult;
}

/** Asserts the union member's `__typename` and returns it, narrowing the test's view. */
export function expectTypename<T extends Record<string, any>>(
  value: T | null | undefined,
  typename: string,
): T {
  expect(value?.__typename, JSON.stringify(value)).toBe(typename);
  return value as T;
}

/**
 * The statements Kysely ran while `fn` ran (tests in one file run one at a time), less the
 * writer's `NOTIFY` after a change (`src/changes/notifier.ts`): it runs after the mutation,
 * whenever the one in flight returns, so it belongs to no request and may land in the next
 * one's window (`test/changes/notify.test.ts` counts it, from `Harness.statements`).
 */
export async function countStatements<T>(
  fn: () => Promise<T>,
): Promise<{ result: T; statements: string[] }> {
  const h = await getHarness();
  h.statements.length = 0;
  const result = await fn();
  return { result, statements: h.statements.filter((s) => !s.includes('pg_notify(')) };
}

/**
 * The `json_agg(…)` that builds column `name` of a page statement (db/queries/page-parts.ts):
 * where a list's order is stated, the aggregate's `order by` says it.
 */
export function aggregateOf(statement: string, name: string): string {
  const before = statement.slice(0, statement.indexOf(` as "${name}"`));
  return before.slice(before.lastIndexOf('json_agg('));
}

/**
 * A second gateway with its own JWT options (a fresh JWKS cache each), on the harness
 * database unless `db` is given, and a way to run operations on it with a token.
 */
export async function gatewayWith(
  options: Partial<
    Pick<
      GatewayOptions,
      'db' | 'jwtSecret' | 'jwtPublicKey' | 'jwtJwksUrl' | 'jwtIssuer' | 'jwtAudience' | 'jwtClaims'
    >
  >,
) {
  const logs: Record<string, unknown>[] = [];
  const gateway = await createGateway({
    schema: await testSchema(),
    executor: testExecutor,
    db: options.db ?? (await getHarness()).database.db,
    logger: pino(
      { level: 'info', base: undefined },
      { write: (line: string) => logs.push(JSON.parse(line)) },
    ),
    production: false,
    secretKeys: TEST_SECRET_KEYS,
    ...options,
  });
  return {
    gateway,
    logs,
    /** The reasons logged for refused credentials, in order. */
    refusals: () =>
      logs.filter((l) => l.msg === 'credentials refused').map((l) => String(l.reason)),
    exec: (query: string, variables: Record<string, unknown>, token?: string) =>
      execute(gateway, query, variables, token ? `Bearer ${token}` : undefined),
    close: () => gateway.apollo.stop(),
  };
}
