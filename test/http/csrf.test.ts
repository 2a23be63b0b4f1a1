import type { AddressInfo } from 'node:net';
import { ApolloServer, HeaderMap } from '@apollo/server';
import fc from 'fast-check';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CSRF_REFUSAL, mayBeForged } from '../../src/csrf.js';
import { createHttpServer, type HttpServer } from '../../src/http.js';
import { createGateway, type Gateway } from '../../src/server.js';
import { getHarness, testExecutor, testSchema, TEST_SECRET_KEYS } from '../helpers/harness.js';
import { oesWorld } from '../helpers/oes.js';

/** Apollo Server's own check (`csrfPrevention: true`), on a schema of one field. */
let apollo: ApolloServer;
beforeAll(async () => {
  apollo = new ApolloServer({ typeDefs: 'type Query { a: Int }', csrfPrevention: true });
  await apollo.start();
});
afterAll(() => apollo.stop());

async function apolloRefuses(headers: Record<string, string>): Promise<boolean> {
  const map = new HeaderMap();
  for (const [key, value] of Object.entries(headers)) map.set(key, value);
  const response = await apollo.executeHTTPGraphQLRequest({
    httpGraphQLRequest: { method: 'POST', headers: map, search: '', body: { query: '{ a }' } },
    context: async () => ({}),
  });
  const body = response.body.kind === 'complete' ? response.body.string : '';
  return response.status === 400 && body.includes('Cross-Site Request Forgery');
}

const ours = (headers: Record<string, string>) => {
  const map = new HeaderMap();
  for (const [key, value] of Object.entries(headers)) map.set(key, value);
  return mayBeForged(map);
};

const CONTENT_TYPES = [
  undefined,
  'application/json',
  'application/json; charset=utf-8',
  'application/json;charset=utf-8',
  'application/json;',
  'application/json ;',
  ' application/json',
  'APPLICATION/JSON',
  'application/jsonx',
  'application/graphql-response+json',
  'text/plain',
  'text/plain; charset=utf-8',
  'text/plain;',
  'TEXT/Plain',
  ' text/plain ',
  '\ttext/plain',
  'text/plain , application/json',
  'text/plainx',
  'text/html',
  'multipart/form-data',
  'multipart/form-data; boundary=x',
  'multipart/mixed',
  'application/x-www-form-urlencoded',
  'application/x-www-form-urlencoded;charset=utf-8',
  '',
  'text',
  'text/',
  '/plain',
  'text/pla in',
  'application/json\u00e9',
];
const PREFLIGHT: Record<string, string>[] = [
  {},
  { 'apollo-require-preflight': '' },
  { 'apollo-require-preflight': 'true' },
  { 'x-apollo-operation-name': '' },
  { 'x-apollo-operation-name': 'Op' },
  { 'apollo-require-preflight': '', 'x-apollo-operation-name': 'Op' },
];

describe('CSRF prevention (src/csrf.ts) decides as Apollo Server’s', () => {
  it('for every listed content type with and without preflight headers', async () => {
    const differences: string[] = [];
    let refused = 0;
    for (const contentType of CONTENT_TYPES) {
      for (const preflight of PREFLIGHT) {
        const headers = {
          ...(contentType === undefined ? {} : { 'content-type': contentType }),
          ...preflight,
        };
        const expected = await apolloRefuses(headers);
        if (expected) refused++;
        if (ours(headers) !== expected) differences.push(JSON.stringify({ headers, expected }));
      }
    }
    expect(differences).toEqual([]);
    // The list holds refusals (simple types, no type at all) as well as admissions.
    expect(refused).toBeGreaterThan(20);
  });

  it('for generated content types', async () => {
    const piece = fc.constantFrom(
      'application',
      'json',
      'text',
      'plain',
      'multipart',
      'form-data',
      'x-www-form-urlencoded',
      '/',
      ';',
      '=',
      ' ',
      '\t',
      '"',
      ',',
      'charset',
      'utf-8',
      'A',
    );
    await fc.assert(
      fc.asyncProperty(
        fc.array(piece, { maxLength: 8 }).map((parts) => parts.join('')),
        fc.boolean(),
        async (contentType, preflight) => {
          const headers = {
            'content-type': contentType,
            ...(preflight ? { 'apollo-require-preflight': 'yes' } : {}),
          };
          expect(ours(headers)).toBe(await apolloRefuses(headers));
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe('CSRF prevention over HTTP in production (src/http.ts)', () => {
  let production: Gateway;
  let server: HttpServer;
  let base: string;
  beforeAll(async () => {
    production = await createGateway({
      schema: await testSchema(),
      executor: testExecutor,
      db: (await getHarness()).database.db,
      logger: pino({ level: 'silent' }),
      production: true,
      secretKeys: TEST_SECRET_KEYS,
    });
    server = createHttpServer({
      gateway: production,
      logger: pino({ level: 'silent' }),
      ping: async () => true,
    });
    await new Promise<void>((resolve) => server.server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => server.server.close(() => resolve()));
    await production.apollo.stop();
  });

  it('is checked by http.ts there, and by Apollo everywhere else', async () => {
    expect(production.csrfInHttp).toBe(true);
    expect((await getHarness()).gateway.csrfInHttp).toBe(false);
  });

  it('guards the gateway’s own HTTP entry, so no other HTTP mount can skip the rule', async () => {
    const w = await oesWorld();
    const request = (contentType: string) => {
      const headers = new HeaderMap([['content-type', contentType]]);
      return {
        httpGraphQLRequest: {
          method: 'POST',
          headers,
          search: '',
          body: { query: '{ viewer { id } }' },
        },
        context: () => production.contextFor({ authorization: `Bearer ${w.admin}` }),
      };
    };
    expect(await production.executeHTTPGraphQLRequest(request('text/plain'))).toBe('forged');
    const allowed = await production.executeHTTPGraphQLRequest(request('application/json'));
    if (allowed === 'forged') throw new Error('application/json was refused');
    expect(allowed.status ?? 200).toBe(200);
  });

  it('refuses what Apollo refuses, with Apollo’s words, and runs nothing', async () => {
    const w = await oesWorld();
    const mutation = `mutation { updateOesConnection(enterpriseId: "${w.tenantId}", connectionId: "${w.connectionId}", input: { name: "forged" }) { __typename } }`;
    const forged = [
      fetch(`${base}/graphql?query=${encodeURIComponent('{ viewer { id } }')}`, {
        headers: { authorization: `Bearer ${w.admin}` },
      }),
      fetch(`${base}/graphql`, {
        method: 'POST',
        headers: { authorization: `Bearer ${w.admin}`, 'content-type': 'text/plain' },
        body: JSON.stringify({ query: mutation }),
      }),
      fetch(`${base}/graphql`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${w.admin}`,
          'content-type': 'application/x-www-form-urlencoded',
          'apollo-require-preflight': '',
        },
        body: `query=${encodeURIComponent(mutation)}`,
      }),
    ];
    for (const response of await Promise.all(forged)) {
      expect(response.status).toBe(400);
      const body = (await response.json()) as {
        errors: { message: string; extensions: { code: string } }[];
      };
      expect(body.errors[0].message).toBe(CSRF_REFUSAL);
      expect(body.errors[0].extensions.code).toBe('BAD_REQUEST');
    }
    const { database } = await getHarness();
    const row = await database.db
      .selectFrom('oes_connections')
      .select('name')
      .where('id', '=', w.connectionId)
      .executeTakeFirstOrThrow();
    expect(row.name).not.toBe('forged');

    // Preflighted: a JSON body, or a GET with a preflight header.
    const json = await fetch(`${base}/graphql`, {
      method: 'POST',
      headers: { authorization: `Bearer ${w.admin}`, 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ viewer { id } }' }),
    });
    expect(json.status).toBe(200);
    const get = await fetch(`${base}/graphql?query=${encodeURIComponent('{ viewer { id } }')}`, {
      headers: { authorization: `Bearer ${w.admin}`, 'apollo-require-preflight': 'true' },
    });
    expect(get.status).toBe(200);
  });
});
