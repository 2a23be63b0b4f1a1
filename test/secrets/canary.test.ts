import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttpServer, type HttpServer } from '../../src/http.js';
import { getHarness } from '../helpers/harness.js';
import { appsWorld, REPLACE_ORG } from '../helpers/apps.js';
import { dbWorld, keyPem, PATCH_DB } from '../helpers/databases.js';
import { withMutationOptions } from '../helpers/mutations.js';

/**
 * One unique canary per kind of secret (database password, SSL client key, App API key),
 * sent through the real HTTP endpoint in valid and invalid requests; afterwards the canary
 * is in no response, no log line, no audit event and no plain-text column of the database.
 */
let http: HttpServer;
let base: string;

beforeAll(async () => {
  const { gateway, database } = await getHarness();
  const { logs } = await getHarness();
  const { pino } = await import('pino');
  // The HTTP layer logs into the same sink as the gateway.
  const logger = pino(
    { level: 'trace', base: undefined },
    { write: (line: string) => logs.push(JSON.parse(line)) },
  );
  http = createHttpServer({ gateway, logger, ping: database.ping });
  await new Promise<void>((resolve) => http.server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(http.server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => http.server.close(() => resolve())));

async function send(body: string, token: string): Promise<string> {
  const res = await fetch(`${base}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body,
  });
  return `${res.status} ${JSON.stringify([...res.headers])} ${await res.text()}`;
}

describe('secrets never leave the gateway', () => {
  it('a canary sent as every kind of secret, in valid and invalid requests, is found nowhere', async () => {
    const canary = {
      password: `pw-canary-${randomBytes(8).toString('hex')}`,
      clientKey: `key-canary-${randomBytes(8).toString('hex')}`,
      apiKey: `api-canary-${randomBytes(8).toString('hex')}`,
    };
    const db = await dbWorld();
    const apps = await appsWorld();
    const responses: string[] = [];
    const patch = (input: unknown, extra: Record<string, unknown> = {}) =>
      JSON.stringify({
        query: withMutationOptions(PATCH_DB),
        variables: { connectionId: db.connectionId, input, ...extra },
      });
    const replace = (input: unknown) =>
      JSON.stringify({
        query: REPLACE_ORG,
        variables: { organisationId: apps.tenantId, connectionId: apps.connectionId, input },
      });
    const pem = keyPem(canary.clientKey);

    const dryCanary = {
      password: `dry-pw-canary-${randomBytes(8).toString('hex')}`,
      apiKey: `dry-api-canary-${randomBytes(8).toString('hex')}`,
    };
    const requests = [
      // dry runs (with and without a key) and idempotent calls, replayed and reused
      patch(
        { password: dryCanary.password, ssl: { clientKey: keyPem(dryCanary.password) } },
        {
          validateOnly: true,
        },
      ),
      patch({ password: dryCanary.password }, { validateOnly: true, idempotencyKey: 'dry-1' }),
      JSON.stringify({
        query: withMutationOptions(REPLACE_ORG),
        variables: {
          organisationId: apps.tenantId,
          connectionId: apps.connectionId,
          input: { name: 'Ledgerly', data: { apiKey: dryCanary.apiKey } },
          validateOnly: true,
        },
      }),
      patch({ password: canary.password, port: 5433 }, { idempotencyKey: 'canary-1' }),
      patch({ password: canary.password, port: 5433 }, { idempotencyKey: 'canary-1' }),
      patch({ password: `${canary.password}x`, port: 5433 }, { idempotencyKey: 'canary-1' }),
      // valid: the secrets are stored
      patch({ password: canary.password, ssl: { clientKey: pem } }),
      replace({ name: 'Ledgerly', data: { apiKey: canary.apiKey } }),
      // the same values again (no-op), and with a stale version (conflict)
      patch({ password: canary.password, ssl: { clientKey: pem } }),
      patch({ password: canary.password, expectedVersion: 1 }),
      replace({ name: 'Ledgerly', data: { apiKey: canary.apiKey }, expectedVersion: 1 }),
      // rule violations next to a secret
      patch({ password: canary.password, port: 70000, name: 'x' }),
      patch({ password: `${canary.password}${'x'.repeat(2000)}` }),
      replace({ name: '', data: { apiKey: canary.apiKey } }),
      // wrong types and unknown sibling fields (graphql-js would quote the value)
      patch({ password: canary.password, port: 'not-a-number' }),
      patch({ passwrd: canary.password }),
      patch({ password: [canary.password] }),
      patch({ password: { value: canary.password } }),
      patch({ ssl: { clientKey: pem, clientKy: pem } }),
      replace({ name: 'Ledgerly', data: { apiKey: canary.apiKey, apiKy: canary.apiKey } }),
      replace({ name: 'Ledgerly', data: { apiKey: 12345, note: canary.apiKey } }),
      replace({ name: 'Ledgerly', data: canary.apiKey }),
      // secrets as literals in the document, valid and misspelt
      JSON.stringify({
        query: `mutation { patchDatabaseConnection(connectionId: "${db.connectionId}", input: { password: "${canary.password}", prot: 1 }) { __typename } }`,
      }),
      JSON.stringify({
        query: `mutation { patchDatabaseConnection(connectionId: "${db.connectionId}", input: { password: ${canary.password} }) { __typename } }`,
      }),
      JSON.stringify({
        query: `mutation { patchDatabaseConnection(connectionId: "${db.connectionId}", input: { password: "${canary.password} }) { __typename } }`,
      }),
      // bad JSON carrying the secret
      `{"query": "${PATCH_DB.replace(/\n/g, ' ')}", "variables": {"input": {"password": "${canary.password}"}`,
      `{"variables": {"apiKey": "${canary.apiKey}"}, "query": `,
    ];
    for (const body of requests)
      responses.push(
        await send(
          body,
          body.includes(canary.apiKey) || body.includes(dryCanary.apiKey) ? apps.admin : db.admin,
        ),
      );

    // The valid requests really stored the secrets (sealed).
    const { database, secrets, logs } = await getHarness();
    const row = await database.db
      .selectFrom('database_connections')
      .selectAll()
      .where('id', '=', db.connectionId)
      .executeTakeFirstOrThrow();
    expect(
      secrets.open(row.password_enc!, {
        tenantId: db.tenantId,
        resourceType: 'DatabaseConnection',
        resourceId: db.connectionId,
        field: 'password',
      }),
    ).toBe(canary.password);
    expect(row.ssl_client_key_enc).not.toBeNull();
    const org = await database.db
      .selectFrom('org_connections')
      .selectAll()
      .where('id', '=', apps.connectionId)
      .executeTakeFirstOrThrow();
    expect(
      secrets.open(org.api_key_enc!, {
        tenantId: apps.tenantId,
        resourceType: 'OrgConnection',
        resourceId: apps.connectionId,
        field: 'apiKey',
      }),
    ).toBe(canary.apiKey);

    const values = [...Object.values(canary), ...Object.values(dryCanary)];
    // The dry runs ran to their end, and the idempotent call was replayed, then refused.
    for (const r of responses.slice(0, 3)) expect(r).toContain('"validateOnly":true');
    expect(responses[4]).toContain('"version":2');
    expect(responses[5]).toContain('IDEMPOTENCY_KEY_REUSED');
    const allResponses = responses.join('\n');
    const allLogs = JSON.stringify(logs);
    const events = JSON.stringify(
      await database.db
        .selectFrom('audit_events')
        .selectAll()
        .where('tenant_id', 'in', [db.tenantId, apps.tenantId])
        .execute(),
    );
    expect(events).toContain('password'); // the audit names the field…
    for (const value of values) {
      expect(allResponses, 'a response').not.toContain(value);
      expect(allLogs, 'a log line').not.toContain(value);
      expect(events, 'an audit event').not.toContain(value); // …never its value
    }

    // No text, json or array column of any table holds a canary in plain text.
    const { rows: columns } = await sql<{ table_name: string; column_name: string }>`
      select table_name, column_name from information_schema.columns
      where table_schema = current_schema() and data_type in ('text', 'jsonb', 'json', 'ARRAY', 'character varying')`.execute(
      database.db,
    );
    expect(columns.length).toBeGreaterThan(20);
    for (const { table_name, column_name } of columns) {
      for (const value of values) {
        const { rows } = await sql<{ n: number }>`
          select count(*)::int as n from ${sql.table(table_name)} where ${sql.ref(column_name)}::text like ${`%${value}%`}`.execute(
          database.db,
        );
        expect(rows[0].n, `${table_name}.${column_name}`).toBe(0);
      }
    }
    // (also not base64 in a key PEM that was stored sealed)
    const pemBody = pem.split('\n')[1];
    expect(JSON.stringify(row)).not.toContain(pemBody);
  });
});
