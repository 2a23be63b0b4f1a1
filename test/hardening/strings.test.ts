import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { FieldError } from '../../src/shared/result.js';
import { checkName } from '../../src/shared/validate.js';
import { appsWorld, REPLACE_ORG } from '../helpers/apps.js';
import {
  addConnections,
  connectorWorld,
  UPDATE_CONNECTOR_CONNECTION,
} from '../helpers/connectors.js';
import { CA_PEM, dbWorld, keyPem, PATCH_DB } from '../helpers/databases.js';
import { expectTypename, gql } from '../helpers/harness.js';
import { nexusWorld, SET_CLIENT_ENABLED } from '../helpers/nexus.js';
import { oesWorld, UPDATE_OES } from '../helpers/oes.js';
import { tenantSnapshot } from '../helpers/tenant-snapshot.js';

/**
 * Every string a mutation stores, and every id it reads, fed with text PostgreSQL cannot
 * store (NUL) or that is not well-formed Unicode (a lone surrogate, which would otherwise be
 * stored as U+FFFD): the answer is an InvalidInputError at the field's path, never a
 * top-level error, and nothing changes.
 */
const BAD = {
  nul: 'ab\u0000cd',
  'lone high surrogate': 'ab\ud800cd',
  'lone low surrogate': 'ab\udc00cd',
};

/** Puts `bad` inside an otherwise valid PEM body (the PEM check alone would let it through). */
const inPem = (pem: string, bad: string) => pem.replace('\n', `\n${bad}`);

interface StringCase {
  field: string;
  /** The path expected in `fieldErrors`. */
  path: (bad: string) => string[];
  /** Which code: INVALID_CHARACTERS, unless the field's own format check answers first. */
  code?: string;
  input: (bad: string) => Record<string, unknown>;
}

interface MutationCase {
  mutation: string;
  query: string;
  world: () => Promise<{
    tenantId: string;
    token: string;
    vars: (override: Record<string, unknown>) => Record<string, unknown>;
  }>;
  cases: StringCase[];
}

const at =
  (...path: string[]) =>
  () => ['input', ...path];

const MUTATIONS: MutationCase[] = [
  {
    mutation: 'updateOesConnection',
    query: UPDATE_OES,
    world: async () => {
      const w = await oesWorld();
      return {
        tenantId: w.tenantId,
        token: w.admin,
        vars: (o) => ({ enterpriseId: w.tenantId, connectionId: w.connectionId, ...o }),
      };
    },
    cases: [
      { field: 'name', path: at('name'), input: (bad) => ({ input: { name: bad } }) },
      {
        field: 'enterpriseId',
        path: () => ['enterpriseId'],
        code: 'INVALID_ID',
        input: (bad) => ({ enterpriseId: bad, input: { active: false } }),
      },
      {
        field: 'connectionId',
        path: () => ['connectionId'],
        code: 'INVALID_UUID',
        input: (bad) => ({ connectionId: bad, input: { active: false } }),
      },
    ],
  },
  {
    mutation: 'setConnectionClientEnabled',
    query: SET_CLIENT_ENABLED,
    world: async () => {
      const w = await nexusWorld();
      return {
        tenantId: w.tenantId,
        token: w.admin,
        vars: (o) => ({ tenantId: w.tenantId, connectionId: w.connectionId, ...o }),
      };
    },
    cases: [
      {
        field: 'clientId',
        path: at('clientId'),
        code: 'INVALID_ID',
        input: (bad) => ({ input: { clientId: `spare${bad}`, enabled: true } }),
      },
    ],
  },
  {
    mutation: 'replaceOrgConnection',
    query: REPLACE_ORG,
    world: async () => {
      const w = await appsWorld();
      return {
        tenantId: w.tenantId,
        token: w.admin,
        vars: (o) => ({ organisationId: w.tenantId, connectionId: w.connectionId, ...o }),
      };
    },
    cases: [
      {
        field: 'name',
        path: at('name'),
        input: (bad) => ({ input: { name: bad, data: { apiKey: 'key' } } }),
      },
      {
        field: 'apiKey',
        path: at('data', 'apiKey'),
        input: (bad) => ({ input: { name: 'ok', data: { apiKey: `key-${bad}` } } }),
      },
    ],
  },
  {
    mutation: 'patchDatabaseConnection',
    query: PATCH_DB,
    world: async () => {
      const w = await dbWorld();
      return {
        tenantId: w.tenantId,
        token: w.admin,
        vars: (o) => ({ connectionId: w.connectionId, ...o }),
      };
    },
    cases: [
      ...(['name', 'databaseName', 'username', 'schema', 'password'] as const).map((field) => ({
        field,
        path: at(field),
        input: (bad: string) => ({ input: { [field]: `name-${bad}` } }),
      })),
      {
        field: 'host',
        path: at('host'),
        input: (bad) => ({ input: { host: `db${bad}.example` } }),
      },
      ...(['caCertificate', 'clientCertificate'] as const).map((field) => ({
        field: `ssl.${field}`,
        path: at('ssl', field),
        input: (bad: string) => ({ input: { ssl: { [field]: inPem(CA_PEM, bad) } } }),
      })),
      {
        field: 'ssl.clientKey',
        path: at('ssl', 'clientKey'),
        input: (bad) => ({ input: { ssl: { clientKey: inPem(keyPem('k'), bad) } } }),
      },
      {
        field: 'metadata key',
        path: (bad) => ['input', 'metadata', `key-${bad}`],
        input: (bad) => ({ input: { metadata: { [`key-${bad}`]: 'value' } } }),
      },
      {
        field: 'metadata value',
        path: at('metadata', 'key'),
        input: (bad) => ({ input: { metadata: { key: `value-${bad}` } } }),
      },
    ],
  },
  {
    mutation: 'updateConnectorConnection',
    query: UPDATE_CONNECTOR_CONNECTION,
    world: async () => {
      const w = await connectorWorld();
      return {
        tenantId: w.tenantId,
        token: w.admin,
        vars: (o) => ({
          organisationId: w.tenantId,
          connectorId: w.connectorId,
          connectionId: w.connectionId,
          ...o,
        }),
      };
    },
    cases: [
      { field: 'name', path: at('name'), input: (bad) => ({ input: { name: bad } }) },
      {
        field: 'variable value',
        path: at('variables', '0', 'value'),
        input: (bad) => ({ input: { name: 'ok', variables: [{ name: 'x', value: `v-${bad}` }] } }),
      },
      {
        field: 'variable name',
        path: at('variables', '0', 'name'),
        code: 'INVALID_NAME',
        input: (bad) => ({ input: { name: 'ok', variables: [{ name: `x${bad}`, value: 'v' }] } }),
      },
      {
        field: 'id',
        path: at('id'),
        code: 'ID_MISMATCH',
        input: (bad) => ({ input: { name: 'ok', id: bad } }),
      },
    ],
  },
];

describe('strings that cannot be stored as given: InvalidInputError at the path', () => {
  for (const m of MUTATIONS) {
    it(`${m.mutation}: ${m.cases.map((c) => c.field).join(', ')}`, async () => {
      const w = await m.world();
      const before = await tenantSnapshot(w.tenantId);
      for (const c of m.cases) {
        for (const [kind, bad] of Object.entries(BAD)) {
          const label = `${c.field} with a ${kind}`;
          const r = await gql(m.query, w.vars(c.input(bad)), w.token);
          expect(r.errors, `${label}: ${JSON.stringify(r.errors)}`).toBeUndefined();
          const error = expectTypename(r.data![m.mutation], 'InvalidInputError');
          expect(error.fieldErrors, label).toContainEqual(
            expect.objectContaining({ path: c.path(bad), code: c.code ?? 'INVALID_CHARACTERS' }),
          );
        }
      }
      expect(await tenantSnapshot(w.tenantId)).toEqual(before);
    });
  }
});

const EMOJI = '\u{1F600}'; // one code point, two UTF-16 units

describe('lengths are counted in characters (code points), not UTF-16 units', () => {
  it('an OES name of 200 emoji passes, 201 do not', async () => {
    const w = await oesWorld();
    const rename = (name: string) =>
      gql(
        UPDATE_OES,
        { enterpriseId: w.tenantId, connectionId: w.connectionId, input: { name } },
        w.admin,
      ).then((r) => r.data!.updateOesConnection);
    const ok = expectTypename(await rename(EMOJI.repeat(200)), 'UpdateOesConnectionSuccess');
    expect(ok.connection.name).toBe(EMOJI.repeat(200));
    const tooLong = expectTypename(await rename(EMOJI.repeat(201)), 'InvalidInputError');
    expect(tooLong.fieldErrors).toEqual([
      expect.objectContaining({ path: ['input', 'name'], code: 'TOO_LONG' }),
    ]);
  });

  it('a database name of 2 characters is too short even when it is 3 UTF-16 units; metadata and variable values count characters too', async () => {
    const w = await dbWorld();
    const patch = (input: Record<string, unknown>) =>
      gql(PATCH_DB, { connectionId: w.connectionId, input }, w.admin).then(
        (r) => r.data!.patchDatabaseConnection,
      );
    const short = expectTypename(await patch({ name: `a${EMOJI}` }), 'InvalidInputError');
    expect(short.fieldErrors).toEqual([
      expect.objectContaining({ path: ['input', 'name'], code: 'TOO_SHORT' }),
    ]);
    const metadata = { [EMOJI.repeat(100)]: EMOJI.repeat(2000) };
    expect(
      expectTypename(await patch({ metadata }), 'PatchDatabaseConnectionSuccess').connection
        .metadata,
    ).toEqual(metadata);

    const c = await connectorWorld();
    const r = await gql(
      UPDATE_CONNECTOR_CONNECTION,
      {
        organisationId: c.tenantId,
        connectorId: c.connectorId,
        connectionId: c.connectionId,
        input: { name: 'Main store', variables: [{ name: 'x', value: EMOJI.repeat(10_000) }] },
      },
      c.admin,
    );
    expectTypename(r.data!.updateConnectorConnection, 'UpdateConnectorConnectionSuccess');
  });
});

describe('names are stored in Unicode NFC, so two spellings of one name are one name', () => {
  const NFD = 'Cafe\u0301 reports'; // e + combining acute accent
  const NFC = 'Caf\u00e9 reports';

  it('patchDatabaseConnection stores NFC and finds the NFD and NFC spellings the same name', async () => {
    const w = await dbWorld({ connections: 2 });
    const [first, second] = w.connectionIds;
    const r1 = await gql(PATCH_DB, { connectionId: first, input: { name: NFD } }, w.admin);
    const stored = expectTypename(
      r1.data!.patchDatabaseConnection,
      'PatchDatabaseConnectionSuccess',
    );
    expect(stored.connection.name).toBe(NFC);
    const r2 = await gql(
      PATCH_DB,
      { connectionId: second, input: { name: NFC.toUpperCase() } },
      w.admin,
    );
    expect(expectTypename(r2.data!.patchDatabaseConnection, 'ConflictError').reason).toBe(
      'NAME_TAKEN',
    );
  });

  it('updateConnectorConnection stores NFC and finds the NFD and NFC spellings the same name', async () => {
    const w = await connectorWorld();
    const [other] = await addConnections(w, 1);
    const rename = (connectionId: string, name: string) =>
      gql(
        UPDATE_CONNECTOR_CONNECTION,
        {
          organisationId: w.tenantId,
          connectorId: w.connectorId,
          connectionId,
          input: { name },
        },
        w.admin,
      ).then((r) => r.data!.updateConnectorConnection);
    const stored = expectTypename(
      await rename(w.connectionId, NFD),
      'UpdateConnectorConnectionSuccess',
    );
    expect(stored.connection.name).toBe(NFC);
    expect(expectTypename(await rename(other.connectionId, NFC), 'ConflictError').reason).toBe(
      'NAME_TAKEN',
    );
  });

  it('database identifiers (databaseName, username, schema) keep the code points as sent', async () => {
    const w = await dbWorld();
    const r = await gql(
      PATCH_DB,
      { connectionId: w.connectionId, input: { databaseName: NFD, username: NFD, schema: NFD } },
      w.admin,
    );
    const success = expectTypename(
      r.data!.patchDatabaseConnection,
      'PatchDatabaseConnectionSuccess',
    );
    expect(success.connection).toMatchObject({ databaseName: NFD, username: NFD, schema: NFD });
  });
});

describe('checkName, property', () => {
  /** Strings rich in what breaks storage: NUL, lone surrogates, combining marks, astral characters. */
  const nasty = fc.string({
    maxLength: 30,
    unit: fc.oneof(
      { weight: 3, arbitrary: fc.string({ minLength: 1, maxLength: 1 }) },
      {
        weight: 1,
        arbitrary: fc.constantFrom('\u0000', '\ud800', '\udc00', 'e\u0301', '\u00e9', EMOJI, ' '),
      },
    ),
  });

  it('either reports an error at the path, or returns trimmed, NFC, storable text within bounds', () => {
    fc.assert(
      fc.property(
        nasty,
        fc.integer({ min: 1, max: 5 }),
        fc.integer({ min: 5, max: 20 }),
        (value, min, max) => {
          const errors: FieldError[] = [];
          const name = checkName(['n'], value, errors, { min, max });
          if (name === undefined) {
            expect(errors.length).toBeGreaterThan(0);
            expect(errors.every((e) => e.path[0] === 'n')).toBe(true);
            return;
          }
          expect(errors).toEqual([]);
          expect(name).toBe(name.trim());
          expect(name).toBe(name.normalize('NFC'));
          expect(name.includes('\u0000')).toBe(false);
          expect(/\p{Cs}/u.test(name)).toBe(false);
          expect([...name].length).toBeGreaterThanOrEqual(min);
          expect([...name].length).toBeLessThanOrEqual(max);
        },
      ),
      { numRuns: 2000 },
    );
  });
});

describe('reads: ids with NUL or a lone surrogate are refused or not found, never a fault', () => {
  it('every query with an id argument', async () => {
    const w = await dbWorld();
    const queries = [
      'query($t: ID!) { oesConnections(enterpriseId: $t) { items { id } } }',
      'query($t: ID!, $c: ID!) { oesConnection(enterpriseId: $t, connectionId: $c) { id } }',
      'query($t: ID!) { nexusConnections(tenantId: $t) { items { id } } }',
      'query($t: ID!, $c: ID!) { nexusConnection(tenantId: $t, connectionId: $c) { id } }',
      'query($t: ID!) { orgConnections(organisationId: $t) { items { id } } }',
      'query($t: ID!, $c: ID!) { orgConnection(organisationId: $t, connectionId: $c) { id } }',
      'query($t: ID!) { databaseConnections(tenantId: $t) { items { id } } }',
      'query($c: ID!) { databaseConnection(connectionId: $c) { id } }',
      'query($t: ID!, $k: ID) { connectorConnections(organisationId: $t, connectorId: $k) { items { id } } }',
      'query($t: ID!, $k: ID!, $c: ID!) { connectorConnection(organisationId: $t, connectorId: $k, connectionId: $c) { id } }',
      'query($c: ID!) { auditEvents(resourceId: $c) { items { id } } }',
      'query($a: String) { databaseConnections(tenantId: "T", after: $a) { items { id } } }',
    ];
    for (const query of queries) {
      for (const bad of Object.values(BAD)) {
        for (const name of ['t', 'c', 'k', 'a']) {
          if (!query.includes(`$${name}`)) continue;
          const vars: Record<string, unknown> = {
            t: w.tenantId,
            c: w.connectionId,
            k: w.connectionId,
          };
          vars[name] = bad;
          const r = await gql(query.replaceAll('"T"', JSON.stringify(w.tenantId)), vars, w.admin);
          const codes = (r.errors ?? []).map((e) => e.extensions?.code);
          expect(codes, `${query} ${name}`).not.toContain('INTERNAL_SERVER_ERROR');
        }
      }
    }
  });
});
