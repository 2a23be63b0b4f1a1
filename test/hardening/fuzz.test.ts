import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { gql } from '../helpers/harness.js';
import { appsWorld, REPLACE_ORG } from '../helpers/apps.js';
import { connectorWorld, UPDATE_CONNECTOR_CONNECTION } from '../helpers/connectors.js';
import { dbWorld, PATCH_DB } from '../helpers/databases.js';
import { nexusWorld, SET_CLIENT_ENABLED } from '../helpers/nexus.js';
import { oesWorld, UPDATE_OES } from '../helpers/oes.js';
import { tenantSnapshot } from '../helpers/tenant-snapshot.js';

/**
 * Property: whatever a caller sends as a mutation's arguments, the answer is never a 5xx or an
 * INTERNAL_SERVER_ERROR, when it is any kind of error the tenant's data (every row, audit
 * events included) is exactly as before, and when it is a success no text came back replaced
 * by U+FFFD (what a lone surrogate turns into when it is stored). The seed is printed on failure; rerun with
 * FC_SEED=<seed> to reproduce.
 */
const seed = Number(process.env.FC_SEED ?? Date.now() % 2 ** 31);
const numRuns = Number(process.env.FC_RUNS ?? 40);

/**
 * Text with one thing storage breaks on or silently changes (NUL, a lone surrogate) or must
 * count right (a combining mark, an astral character); and a PEM block around it now and then.
 */
const special = fc.constantFrom(
  '\u0000',
  '\ud800',
  '\udc00',
  'e\u0301',
  '\u{1F600}',
  '\ud800\u0000',
);
const nasty = fc
  .tuple(fc.string({ maxLength: 12 }), special, fc.string({ maxLength: 12 }))
  .map((parts) => parts.join(''));
const text = (constraints: fc.StringConstraints) =>
  fc.oneof(
    { weight: 2, arbitrary: fc.string(constraints) },
    { weight: 2, arbitrary: nasty },
    {
      weight: 1,
      arbitrary: nasty.map(
        (t) => `-----BEGIN CERTIFICATE-----\nQUJD${t}\n-----END CERTIFICATE-----`,
      ),
    },
  );

/** Any JSON value, biased towards the shapes and edges inputs meet. */
const anyValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.integer(),
  fc.constantFrom(0, -1, 1, 65535, 65536, 2 ** 31, -(2 ** 31) - 1),
  fc.double(),
  fc.string(),
  fc.string({ unit: 'grapheme', maxLength: 300 }),
  fc.constantFrom(
    '',
    ' ',
    '\u0000',
    'ab\ud800cd',
    '\udc00',
    'a'.repeat(101),
    'x'.repeat(5000),
    '-----BEGIN PRIVATE KEY-----',
    '::1',
    '10.0.0.1',
    'db.example.com',
    randomUUID(),
  ),
  fc.array(fc.string(), { maxLength: 3 }),
  fc.dictionary(
    fc.string({ maxLength: 8 }),
    fc.oneof(fc.string(), fc.integer(), fc.constant(null)),
    { maxKeys: 4 },
  ),
);
const anyId = (valid: string[]) =>
  fc.oneof(
    { arbitrary: fc.constantFrom(...valid), weight: 6 },
    { arbitrary: fc.uuid(), weight: 1 },
    { arbitrary: fc.string({ maxLength: 40 }), weight: 1 },
    { arbitrary: fc.constant(''), weight: 1 },
  );
/** The caller's own tenant most of the time, sometimes anything. */
const anyTenant = (own: string) =>
  fc.oneof(
    { arbitrary: fc.constant(own), weight: 6 },
    { arbitrary: fc.string({ maxLength: 70 }), weight: 1 },
  );
/** An input object: known keys with well-typed or wild values, sometimes unknown keys. */
const anyInput = (known: Record<string, fc.Arbitrary<unknown>>, required: string[] = []) =>
  fc
    .tuple(
      fc.record(
        Object.fromEntries(
          Object.entries(known).map(([k, arb]) => [
            k,
            required.includes(k)
              ? fc.oneof({ arbitrary: arb, weight: 40 }, { arbitrary: anyValue, weight: 1 })
              : fc.oneof(
                  { arbitrary: arb, weight: 40 },
                  { arbitrary: fc.constant(null), weight: 3 },
                  { arbitrary: anyValue, weight: 1 },
                ),
          ]),
        ),
        { requiredKeys: required },
      ),
      // now and then an unknown key next to the known ones
      fc.oneof(
        { arbitrary: fc.constant(undefined), weight: 15 },
        {
          arbitrary: fc.dictionary(fc.string({ minLength: 1, maxLength: 6 }), anyValue, {
            maxKeys: 2,
          }),
          weight: 1,
        },
      ),
    )
    .map(([input, extra]) => ({ ...(extra ?? {}), ...input }));

async function check(
  label: string,
  tenantId: string,
  arb: fc.Arbitrary<{ variables: Record<string, unknown>; token: string }>,
  query: string,
  field: string,
) {
  const seen: Record<string, number> = {};
  await fc.assert(
    fc.asyncProperty(arb, async ({ variables, token }) => {
      const before = await tenantSnapshot(tenantId);
      const r = await gql(query, variables, token);
      const codes = (r.errors ?? []).map((e) => e.extensions?.code);
      expect(codes, JSON.stringify(r.errors)).not.toContain('INTERNAL_SERVER_ERROR');
      const outcome = r.data?.[field];
      const kind = outcome?.__typename ?? codes[0] ?? 'none';
      seen[kind] = (seen[kind] ?? 0) + 1;
      if (process.env.FC_DEBUG)
        console.log(
          label,
          kind,
          JSON.stringify(outcome?.fieldErrors ?? r.errors?.[0]?.message ?? ''),
        );
      const success =
        typeof outcome?.__typename === 'string' && outcome.__typename.endsWith('Success');
      if (!success)
        expect(await tenantSnapshot(tenantId), `${label}: an error changed data`).toEqual(before);
      // Nothing is stored changed behind the caller's back: a lone surrogate would come back
      // as U+FFFD (the replacement character) had it been accepted.
      else if (!JSON.stringify(variables).includes('\ufffd'))
        expect(JSON.stringify(outcome), `${label}: text was replaced`).not.toContain('\ufffd');
    }),
    { seed, numRuns, endOnFailure: true },
  );
  // The generators must reach the service, not only GraphQL's own coercion.
  const reached = Object.entries(seen)
    .filter(([k]) => /Error$|Success$/.test(k))
    .reduce((n, [, v]) => n + v, 0);
  expect(reached, `${label}: ${JSON.stringify(seen)}`).toBeGreaterThanOrEqual(numRuns / 5);
}

describe(`fuzzed mutation inputs (seed ${seed})`, () => {
  it('updateOesConnection', async () => {
    const w = await oesWorld();
    const other = await oesWorld();
    await check(
      'updateOesConnection',
      w.tenantId,
      fc.record({
        variables: fc.record({
          enterpriseId: fc.oneof(
            fc.constant(w.tenantId),
            fc.constant(other.tenantId),
            text({ maxLength: 70 }),
          ),
          connectionId: anyId([w.connectionId, other.connectionId]),
          input: anyInput({
            name: text({ maxLength: 210 }),
            active: fc.boolean(),
            expectedVersion: fc.integer({ min: -1, max: 5 }),
          }),
        }),
        token: fc.constantFrom(w.admin, w.viewer, other.admin, 'cgw_nope'),
      }),
      UPDATE_OES,
      'updateOesConnection',
    );
  });

  it('setConnectionClientEnabled', async () => {
    const w = await nexusWorld();
    await check(
      'setConnectionClientEnabled',
      w.tenantId,
      fc.record({
        variables: fc.record({
          tenantId: anyTenant(w.tenantId),
          connectionId: anyId([w.connectionId]),
          input: anyInput(
            {
              clientId: fc.oneof(
                fc.constantFrom('mobile', 'web', 'batch', 'spare', 'nope'),
                text({ maxLength: 130 }),
              ),
              enabled: fc.boolean(),
              expectedVersion: fc.integer({ min: -1, max: 5 }),
            },
            ['enabled'],
          ),
        }),
        token: fc.constantFrom(w.admin, w.owner, w.clientWriter, w.viewer, w.connectionWriter),
      }),
      SET_CLIENT_ENABLED,
      'setConnectionClientEnabled',
    );
  });

  it('replaceOrgConnection', async () => {
    const w = await appsWorld();
    await check(
      'replaceOrgConnection',
      w.tenantId,
      fc.record({
        variables: fc.record({
          organisationId: anyTenant(w.tenantId),
          connectionId: anyId([w.connectionId, w.crmConnectionId]),
          input: anyInput(
            {
              name: text({ maxLength: 210 }),
              data: fc.record({ apiKey: text({ maxLength: 50 }) }),
              expectedVersion: fc.integer({ min: -1, max: 5 }),
            },
            ['name', 'data'],
          ),
        }),
        token: fc.constantFrom(w.admin, w.viewer),
      }),
      REPLACE_ORG,
      'replaceOrgConnection',
    );
  });

  it('patchDatabaseConnection', async () => {
    const w = await dbWorld({ connections: 2 });
    await check(
      'patchDatabaseConnection',
      w.tenantId,
      fc.record({
        variables: fc.record({
          connectionId: anyId(w.connectionIds),
          input: anyInput({
            name: fc.oneof(
              text({ maxLength: 110 }),
              fc.constantFrom('connection-0', 'CONNECTION-1'),
            ),
            type: fc.constantFrom('ORACLE', 'SQL_SERVER', 'POSTGRESQL', 'MONGODB', 'MYSQL'),
            host: fc.oneof(fc.domain(), fc.ipV4(), fc.ipV6(), text({ maxLength: 300 })),
            port: fc.integer({ min: -10, max: 70000 }),
            databaseName: text({ maxLength: 130 }),
            username: text({ maxLength: 130 }),
            password: text({ maxLength: 1100 }),
            schema: text({ maxLength: 130 }),
            ssl: fc.record(
              {
                enabled: fc.boolean(),
                mode: fc.constantFrom('DISABLE', 'REQUIRE', 'VERIFY_CA', 'VERIFY_FULL'),
                clientKey: text({}),
                caCertificate: text({}),
              },
              { requiredKeys: [] },
            ),
            metadata: fc.dictionary(
              text({ maxLength: 110 }),
              fc.oneof(text({ maxLength: 50 }), anyValue),
              { maxKeys: 5 },
            ),
            expectedVersion: fc.integer({ min: -1, max: 5 }),
          }),
        }),
        token: fc.constantFrom(w.admin, w.viewer),
      }),
      PATCH_DB,
      'patchDatabaseConnection',
    );
  });

  it('updateConnectorConnection', async () => {
    const w = await connectorWorld();
    const slot = (ids: string[]) =>
      fc.record({
        id: fc.oneof(
          { arbitrary: fc.constantFrom(...ids), weight: 5 },
          { arbitrary: fc.uuid(), weight: 1 },
        ),
        authSchemeConfigId: fc.oneof(
          { arbitrary: fc.constantFrom(...Object.values(w.schemeConfigs).flat()), weight: 5 },
          { arbitrary: text({ maxLength: 40 }), weight: 1 },
        ),
      });
    /** A permutation of the slots, each on one of its own scheme type's configs. */
    const validOrder = (ids: string[], schemes: string[]) =>
      fc
        .shuffledSubarray(
          ids.map((id, i) => ({ id, scheme: schemes[i] })),
          { minLength: ids.length, maxLength: ids.length },
        )
        .chain((slots) =>
          fc.tuple(
            ...slots.map((sl) =>
              fc
                .constantFrom(...w.schemeConfigs[sl.scheme])
                .map((authSchemeConfigId) => ({ id: sl.id, authSchemeConfigId })),
            ),
          ),
        );
    await check(
      'updateConnectorConnection',
      w.tenantId,
      fc.record({
        variables: fc.record({
          organisationId: anyTenant(w.tenantId),
          connectorId: anyId([w.connectorId]),
          connectionId: anyId([w.connectionId]),
          input: anyInput(
            {
              id: anyId([w.connectionId]),
              name: fc.oneof(text({ maxLength: 210 }), fc.constantFrom('Main store', 'Other')),
              credentials: fc.record({
                action: fc.oneof(
                  validOrder(w.actionIds, ['api-key', 'oauth2']),
                  fc.array(slot(w.actionIds), { maxLength: 3 }),
                ),
                trigger: fc.oneof(
                  validOrder(w.triggerIds, ['hmac']),
                  fc.array(slot(w.triggerIds), { maxLength: 2 }),
                ),
              }),
              variables: fc.array(
                fc.record({
                  name: fc.oneof(
                    fc.constantFrom('shopDomain', 'currency', 'x'),
                    text({ maxLength: 110 }),
                  ),
                  value: text({ maxLength: 50 }),
                }),
                { maxLength: 4 },
              ),
              expectedVersion: fc.integer({ min: -1, max: 5 }),
            },
            ['name'],
          ),
        }),
        token: fc.constantFrom(w.admin, w.viewer),
      }),
      UPDATE_CONNECTOR_CONNECTION,
      'updateConnectorConnection',
    );
  });
});
