import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { sendTo, stopVariantGateways, variantGateway } from '../helpers/server.js';

/**
 * Input values never come back in an error message, in development or production: not an
 * enum value that does not exist, not the name of an unknown input field, not a value that
 * holds `; ` or quotes (which the message's own punctuation uses), whether the input is an
 * inline literal (a validation error) or a variable (a coercion error).
 */
const CANARY = 'S3CRET_hunter2';
afterAll(stopVariantGateways);

async function send(
  production: boolean,
  query: string,
  variables: Record<string, unknown> = {},
  extensions?: Record<string, unknown>,
) {
  const gateway = await variantGateway({ production });
  const r = await sendTo(gateway, { query, variables, extensions });
  expect(r.statements).toEqual([]);
  return r;
}

const PATCH = `mutation($i: PatchDatabaseConnectionInput!) { patchDatabaseConnection(connectionId: "${randomUUID()}", input: $i) { __typename } }`;
const patchLiteral = (input: string) =>
  `mutation { patchDatabaseConnection(connectionId: "${randomUUID()}", input: ${input}) { __typename } }`;
const UPDATE_OES = `mutation($i: UpdateOesConnectionInput!) { updateOesConnection(enterpriseId: "e", connectionId: "${randomUUID()}", input: $i) { __typename } }`;

describe.each([false, true])('values are not echoed in errors (production: %s)', (production) => {
  const expectRedacted = (
    r: Awaited<ReturnType<typeof send>>,
    code: string,
    message: RegExp,
    canary = CANARY,
  ) => {
    const [error] = r.body.errors ?? [];
    expect(error?.extensions?.code, JSON.stringify(r.body)).toBe(code);
    expect(error.message).toMatch(message);
    expect(JSON.stringify(r.body)).not.toContain(canary);
    expect(JSON.stringify(r.body)).not.toContain('hunter2');
    if (production) expect(error.message).not.toMatch(/Did you mean/);
    expect(r.status).toBe(400);
  };

  it('an enum value that does not exist: inline and as a variable', async () => {
    expectRedacted(
      await send(production, patchLiteral(`{ type: ${CANARY} }`)),
      'GRAPHQL_VALIDATION_FAILED',
      /^Value \[redacted\] does not exist in "DatabaseEngine" enum\./,
    );
    expectRedacted(
      await send(production, PATCH, { i: { type: 'S3CRET-hunter2' } }),
      'BAD_USER_INPUT',
      /^Variable "\$i" got invalid value \[redacted\] at "i.type"; Value \[redacted\] does not exist in "DatabaseEngine" enum\./,
    );
    // close to a real value, so graphql-js suggests one (development only)
    const near = await send(production, PATCH, { i: { type: 'MYSQLhunter2' } });
    expectRedacted(near, 'BAD_USER_INPUT', /does not exist/, 'MYSQLhunter2');
  });

  it('an unknown input field name: inline and as a variable', async () => {
    expectRedacted(
      await send(production, patchLiteral(`{ ${CANARY}: "x" }`)),
      'GRAPHQL_VALIDATION_FAILED',
      /^Field \[redacted\] is not defined by type "PatchDatabaseConnectionInput"\./,
    );
    expectRedacted(
      await send(production, PATCH, { i: { 'S3CRET-"hunter2"': 'x' } }),
      'BAD_USER_INPUT',
      /^Variable "\$i" got invalid value \[redacted\]; Field \[redacted\] is not defined by type "PatchDatabaseConnectionInput"\./,
      'S3CRET',
    );
  });

  it('a value holding "; " or quotes, which the message itself uses as punctuation', async () => {
    expectRedacted(
      await send(production, patchLiteral(`"a; ${CANARY}"`)),
      'GRAPHQL_VALIDATION_FAILED',
      /^Expected value of type "PatchDatabaseConnectionInput!", found \[redacted\]\.$/,
    );
    expectRedacted(
      await send(production, UPDATE_OES, { i: { active: `a; ${CANARY}` } }),
      'BAD_USER_INPUT',
      /^Variable "\$i" got invalid value \[redacted\] at "i.active"; Boolean cannot represent a non boolean value: \[redacted\]$/,
    );
    expectRedacted(
      await send(production, UPDATE_OES, { i: `a" at "i.x"; ${CANARY}` }),
      'BAD_USER_INPUT',
      /^Variable "\$i" got invalid value \[redacted\]; Expected type "UpdateOesConnectionInput" to be an object\.$/,
    );
  });

  it('a malformed escape sequence in the document', async () => {
    expectRedacted(
      await send(production, `{ viewer(x: "\\u{1F600${CANARY}") { id } }`),
      'GRAPHQL_PARSE_FAILED',
      /^Syntax Error: Invalid Unicode escape sequence: \[redacted\]\.$/,
    );
  });
});

describe('requests Apollo refuses with a 4xx but no code', () => {
  it('a persisted-query hash that does not match its query is BAD_REQUEST, not a fault', async () => {
    const r = await send(
      false,
      '{ viewer { id } }',
      {},
      {
        persistedQuery: { version: 1, sha256Hash: 'a'.repeat(64) },
      },
    );
    expect(r.status).toBe(400);
    expect(r.body.errors?.[0]?.extensions?.code).toBe('BAD_REQUEST');
    expect(r.body.errors?.[0]?.message).toBe('provided sha does not match query');
  });
});
