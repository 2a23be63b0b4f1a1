import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createPrincipalWithKey } from '../../src/demo/builders.js';
import { expectTypename, getHarness, gql, newApiKey } from '../helpers/harness.js';
import {
  addJob,
  CA_PEM,
  CERT_PEM,
  dbSnapshot,
  dbWorld,
  keyPem,
  openSecrets,
  PATCH_DB,
  patchDb,
} from '../helpers/databases.js';

const fieldErrorsOf = (result: Record<string, any>) =>
  expectTypename(result, 'InvalidInputError').fieldErrors as {
    path: string[];
    code: string;
    message: string;
  }[];

describe('patchDatabaseConnection: success', () => {
  it('patches every field at once, bumps the version and writes one audit event with the field names', async () => {
    const w = await dbWorld();
    const result = await patchDb(
      w.connectionId,
      {
        name: 'warehouse-eu',
        type: 'MYSQL',
        host: 'mysql.internal.example.com',
        port: 3306,
        databaseName: 'sales',
        username: 'reporter',
        password: 'n3w-s3cret',
        schema: 'analytics',
        ssl: {
          enabled: true,
          mode: 'VERIFY_FULL',
          caCertificate: CA_PEM,
          clientCertificate: CERT_PEM,
          clientKey: keyPem('k1'),
        },
        metadata: { team: 'data', owner: 'ops' },
        expectedVersion: 1,
      },
      w.admin,
    );
    const { connection } = expectTypename(result, 'PatchDatabaseConnectionSuccess');
    expect(connection).toMatchObject({
      id: w.connectionId,
      tenantId: w.tenantId,
      version: 2,
      name: 'warehouse-eu',
      type: 'MYSQL',
      host: 'mysql.internal.example.com',
      port: 3306,
      databaseName: 'sales',
      username: 'reporter',
      hasPassword: true,
      schema: 'analytics',
      ssl: {
        enabled: true,
        mode: 'VERIFY_FULL',
        caCertificate: CA_PEM,
        clientCertificate: CERT_PEM,
        hasClientKey: true,
      },
      metadata: { team: 'data', owner: 'ops' },
      productName: 'Insights',
      activeJobs: [],
    });
    expect(Date.parse(connection.updatedAt)).toBeGreaterThanOrEqual(
      Date.parse(connection.createdAt),
    );

    const { row, events } = await dbSnapshot(w.tenantId, w.connectionId);
    expect(row).toMatchObject({
      name: 'warehouse-eu',
      type: 'MYSQL',
      port: 3306,
      version: 2,
      metadata: { team: 'data', owner: 'ops' },
    });
    expect(row!.ssl).toEqual({
      enabled: true,
      mode: 'VERIFY_FULL',
      caCertificate: CA_PEM,
      clientCertificate: CERT_PEM,
    });
    expect(await openSecrets(w.tenantId, w.connectionId)).toEqual({
      password: 'n3w-s3cret',
      clientKey: keyPem('k1'),
    });
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      tenant_id: w.tenantId,
      resource_type: 'DatabaseConnection',
      resource_id: w.connectionId,
      operation: 'patchDatabaseConnection',
      changed_fields: [
        'name',
        'type',
        'host',
        'port',
        'databaseName',
        'username',
        'password',
        'schema',
        'ssl',
        'metadata',
      ],
      from_version: 1,
      to_version: 2,
      actor_kind: 'api_key',
    });
    expect(events[0].request_id).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('changes only the fields given: absent fields keep their values', async () => {
    const w = await dbWorld();
    const before = await dbSnapshot(w.tenantId, w.connectionId);
    const result = await patchDb(w.connectionId, { port: 6543 }, w.admin);
    expect(expectTypename(result, 'PatchDatabaseConnectionSuccess').connection).toMatchObject({
      port: 6543,
      version: 2,
      hasPassword: true,
    });
    const after = await dbSnapshot(w.tenantId, w.connectionId);
    expect(after.row).toEqual({
      ...before.row,
      port: 6543,
      version: 2,
      updated_at: after.row!.updated_at,
    });
    expect(after.events.map((e) => e.changed_fields)).toEqual([['port']]);
  });

  it('trims name, host, databaseName, username and schema', async () => {
    const w = await dbWorld();
    const result = await patchDb(
      w.connectionId,
      {
        name: '  spaced  ',
        host: ' 10.0.0.1 ',
        databaseName: ' db ',
        username: ' u ',
        schema: ' s ',
      },
      w.admin,
    );
    expect(expectTypename(result, 'PatchDatabaseConnectionSuccess').connection).toMatchObject({
      name: 'spaced',
      host: '10.0.0.1',
      databaseName: 'db',
      username: 'u',
      schema: 's',
    });
  });

  it('a patch that changes nothing succeeds without a new version or audit event', async () => {
    const w = await dbWorld();
    const before = await dbSnapshot(w.tenantId, w.connectionId);
    const result = await patchDb(
      w.connectionId,
      {
        name: 'connection-0',
        type: 'POSTGRESQL',
        host: 'db.example.com',
        port: 5432,
        databaseName: 'app',
        username: 'app',
        password: 'initial-password',
        schema: 'public',
        ssl: { enabled: true, mode: 'REQUIRE' },
        metadata: { environment: 'test' },
        expectedVersion: 1,
      },
      w.admin,
    );
    expect(expectTypename(result, 'PatchDatabaseConnectionSuccess').connection).toMatchObject({
      version: 1,
      name: 'connection-0',
    });
    expect(await dbSnapshot(w.tenantId, w.connectionId)).toEqual(before);
  });

  it('the same metadata in another key order is no change; a different map replaces the whole map', async () => {
    const w = await dbWorld();
    await patchDb(w.connectionId, { metadata: { a: '1', b: '2' } }, w.admin);
    const same = await patchDb(w.connectionId, { metadata: { b: '2', a: '1' } }, w.admin);
    expect(expectTypename(same, 'PatchDatabaseConnectionSuccess').connection.version).toBe(2);
    const replaced = await patchDb(w.connectionId, { metadata: { c: '3' } }, w.admin);
    expect(expectTypename(replaced, 'PatchDatabaseConnectionSuccess').connection).toMatchObject({
      version: 3,
      metadata: { c: '3' },
    });
  });

  it('metadata keys are plain data, "__proto__" and "constructor" included', async () => {
    const w = await dbWorld();
    const metadata = JSON.parse('{"__proto__": "p", "constructor": "c", "plain": "v"}');
    const r = await patchDb(w.connectionId, { metadata }, w.admin);
    expect(
      Object.entries(
        expectTypename(r, 'PatchDatabaseConnectionSuccess').connection.metadata,
      ).sort(),
    ).toEqual([
      ['__proto__', 'p'],
      ['constructor', 'c'],
      ['plain', 'v'],
    ]);
    const again = await patchDb(w.connectionId, { metadata }, w.admin);
    expect(expectTypename(again, 'PatchDatabaseConnectionSuccess').connection.version).toBe(2);
  });

  it('renaming a connection to its own name in another case is allowed', async () => {
    const w = await dbWorld();
    const result = await patchDb(w.connectionId, { name: 'CONNECTION-0' }, w.admin);
    expect(expectTypename(result, 'PatchDatabaseConnectionSuccess').connection).toMatchObject({
      name: 'CONNECTION-0',
      version: 2,
    });
  });

  it('accepts an id in upper case', async () => {
    const w = await dbWorld();
    const result = await patchDb(w.connectionId.toUpperCase(), { port: 1 }, w.admin);
    expect(expectTypename(result, 'PatchDatabaseConnectionSuccess').connection.id).toBe(
      w.connectionId,
    );
  });

  it('accepts every engine, IPv4, IPv6 and RFC 1123 host names, and ports 1 and 65535', async () => {
    const w = await dbWorld();
    for (const type of ['ORACLE', 'SQL_SERVER', 'POSTGRESQL', 'MONGODB', 'MYSQL']) {
      expectTypename(
        await patchDb(w.connectionId, { type }, w.admin),
        'PatchDatabaseConnectionSuccess',
      );
    }
    const hosts = [
      '192.168.0.10',
      '::1',
      '2001:db8::8a2e:370:7334',
      'localhost',
      'db-1.eu-west.example.com',
      `${'a'.repeat(63)}.example.com`,
      ['b'.repeat(63), 'c'.repeat(63), 'd'.repeat(63), 'e'.repeat(61)].join('.'),
    ];
    for (const host of hosts) {
      const r = await patchDb(w.connectionId, { host }, w.admin);
      expect(expectTypename(r, 'PatchDatabaseConnectionSuccess').connection.host).toBe(host);
    }
    for (const port of [1, 65535]) {
      expect(
        expectTypename(
          await patchDb(w.connectionId, { port }, w.admin),
          'PatchDatabaseConnectionSuccess',
        ).connection.port,
      ).toBe(port);
    }
  });
});

describe('patchDatabaseConnection: null versus absent', () => {
  it('null on each required field is NOT_NULLABLE, all reported together, nothing written', async () => {
    const w = await dbWorld();
    const before = await dbSnapshot(w.tenantId, w.connectionId);
    const result = await patchDb(
      w.connectionId,
      { name: null, type: null, host: null, port: null, databaseName: null, username: null },
      w.admin,
    );
    expect(fieldErrorsOf(result)).toEqual(
      ['name', 'type', 'host', 'port', 'databaseName', 'username'].map((f) => ({
        path: ['input', f],
        code: 'NOT_NULLABLE',
        message: 'cannot be null',
      })),
    );
    expect(await dbSnapshot(w.tenantId, w.connectionId)).toEqual(before);
  });

  it('null clears password, schema and ssl, and empties metadata', async () => {
    const w = await dbWorld();
    await patchDb(
      w.connectionId,
      { ssl: { clientKey: keyPem('x'), caCertificate: CA_PEM } },
      w.admin,
    );
    const result = await patchDb(
      w.connectionId,
      { password: null, schema: null, ssl: null, metadata: null },
      w.admin,
    );
    expect(expectTypename(result, 'PatchDatabaseConnectionSuccess').connection).toMatchObject({
      version: 3,
      hasPassword: false,
      schema: null,
      ssl: null,
      metadata: {},
    });
    const { row, events } = await dbSnapshot(w.tenantId, w.connectionId);
    expect(row).toMatchObject({
      password_enc: null,
      schema: null,
      ssl: null,
      ssl_client_key_enc: null,
      metadata: {},
    });
    expect(events.at(-1)!.changed_fields).toEqual(['password', 'schema', 'ssl', 'metadata']);
  });

  it('clearing what is already clear is no change', async () => {
    const w = await dbWorld({ password: null });
    await patchDb(w.connectionId, { schema: null, ssl: null, metadata: null }, w.admin);
    const before = await dbSnapshot(w.tenantId, w.connectionId);
    const result = await patchDb(
      w.connectionId,
      { password: null, schema: null, ssl: null, metadata: null },
      w.admin,
    );
    expect(expectTypename(result, 'PatchDatabaseConnectionSuccess').connection.version).toBe(2);
    expect(await dbSnapshot(w.tenantId, w.connectionId)).toEqual(before);
  });

  it('inside ssl, an absent part is kept and a null part is cleared', async () => {
    const w = await dbWorld();
    await patchDb(
      w.connectionId,
      { ssl: { caCertificate: CA_PEM, clientCertificate: CERT_PEM, clientKey: keyPem('k') } },
      w.admin,
    );
    let r = await patchDb(w.connectionId, { ssl: { mode: 'VERIFY_CA' } }, w.admin);
    expect(expectTypename(r, 'PatchDatabaseConnectionSuccess').connection.ssl).toEqual({
      enabled: true,
      mode: 'VERIFY_CA',
      caCertificate: CA_PEM,
      clientCertificate: CERT_PEM,
      hasClientKey: true,
    });
    r = await patchDb(
      w.connectionId,
      { ssl: { enabled: null, caCertificate: null, clientKey: null } },
      w.admin,
    );
    expect(expectTypename(r, 'PatchDatabaseConnectionSuccess').connection.ssl).toEqual({
      enabled: null,
      mode: 'VERIFY_CA',
      caCertificate: null,
      clientCertificate: CERT_PEM,
      hasClientKey: false,
    });
    const { row } = await dbSnapshot(w.tenantId, w.connectionId);
    expect(row).toMatchObject({
      ssl: { mode: 'VERIFY_CA', clientCertificate: CERT_PEM },
      ssl_client_key_enc: null,
    });
    r = await patchDb(w.connectionId, { ssl: { mode: null, clientCertificate: null } }, w.admin);
    expect(expectTypename(r, 'PatchDatabaseConnectionSuccess').connection.ssl).toBeNull();
  });
});

describe('patchDatabaseConnection: InvalidInputError', () => {
  it('reports every field error of one request together, with paths, and writes nothing', async () => {
    const w = await dbWorld();
    const before = await dbSnapshot(w.tenantId, w.connectionId);
    const r = await gql(
      PATCH_DB,
      {
        connectionId: 'not-a-uuid',
        input: {
          name: 'ab',
          host: 'bad_host!',
          port: 0,
          databaseName: '',
          username: 'u'.repeat(129),
          password: '',
          schema: 'a\u0001b',
          ssl: { caCertificate: 'not a certificate', clientKey: CERT_PEM },
          metadata: { nested: { a: 'b' }, ['k'.repeat(101)]: 'v', long: 'x'.repeat(2001) },
          expectedVersion: 0,
        },
      },
      w.admin,
    );
    expect(r.errors).toBeUndefined();
    const errors = fieldErrorsOf(r.data!.patchDatabaseConnection);
    expect(errors.map((e) => [e.path.join('.'), e.code])).toEqual([
      ['connectionId', 'INVALID_UUID'],
      ['input.name', 'TOO_SHORT'],
      ['input.host', 'INVALID_HOST'],
      ['input.port', 'OUT_OF_RANGE'],
      ['input.databaseName', 'BLANK'],
      ['input.username', 'TOO_LONG'],
      ['input.password', 'BLANK'],
      ['input.schema', 'INVALID_CHARACTERS'],
      ['input.ssl.caCertificate', 'INVALID_PEM'],
      ['input.ssl.clientKey', 'INVALID_PEM'],
      ['input.metadata.nested', 'INVALID_METADATA'],
      [`input.metadata.${'k'.repeat(101)}`, 'KEY_TOO_LONG'],
      ['input.metadata.long', 'TOO_LONG'],
      ['input.expectedVersion', 'OUT_OF_RANGE'],
    ]);
    expect(r.data!.patchDatabaseConnection.code).toBe('INVALID_INPUT');
    expect(await dbSnapshot(w.tenantId, w.connectionId)).toEqual(before);
  });

  it('an input with nothing to update: NOTHING_TO_UPDATE at ["input"]; an empty ssl at ["input","ssl"]', async () => {
    const w = await dbWorld();
    for (const input of [{}, { expectedVersion: 1 }]) {
      expect(fieldErrorsOf(await patchDb(w.connectionId, input, w.admin))).toEqual([
        expect.objectContaining({ path: ['input'], code: 'NOTHING_TO_UPDATE' }),
      ]);
    }
    expect(fieldErrorsOf(await patchDb(w.connectionId, { ssl: {} }, w.admin))).toEqual([
      expect.objectContaining({ path: ['input', 'ssl'], code: 'NOTHING_TO_UPDATE' }),
    ]);
  });

  it('bounds the name at 3 to 100 characters', async () => {
    const w = await dbWorld();
    for (const name of ['abc', 'n'.repeat(100)]) {
      expectTypename(
        await patchDb(w.connectionId, { name }, w.admin),
        'PatchDatabaseConnectionSuccess',
      );
    }
    for (const [name, code] of [
      ['ab', 'TOO_SHORT'],
      ['  ab  ', 'TOO_SHORT'],
      ['n'.repeat(101), 'TOO_LONG'],
      ['   ', 'BLANK'],
    ]) {
      expect(fieldErrorsOf(await patchDb(w.connectionId, { name }, w.admin))).toEqual([
        expect.objectContaining({ path: ['input', 'name'], code }),
      ]);
    }
  });

  it('refuses hosts that are neither an IP address nor an RFC 1123 host name', async () => {
    const w = await dbWorld();
    const bad = [
      'bad_host',
      '-lead.example.com',
      'trail-.example.com',
      'a..b',
      'x'.repeat(64) + '.com',
      ['b'.repeat(63), 'c'.repeat(63), 'd'.repeat(63), 'e'.repeat(62)].join('.'),
      'http://db.example.com',
      '[::1]',
      'db.example.com:5432',
      '999.1.1.1.1',
      '256.1.1.1',
      'host name',
      'example.com.',
    ];
    for (const host of bad) {
      expect(fieldErrorsOf(await patchDb(w.connectionId, { host }, w.admin)), host).toEqual([
        expect.objectContaining({ path: ['input', 'host'], code: 'INVALID_HOST' }),
      ]);
    }
    expect(fieldErrorsOf(await patchDb(w.connectionId, { host: '  ' }, w.admin))).toEqual([
      expect.objectContaining({ path: ['input', 'host'], code: 'BLANK' }),
    ]);
  });

  it('refuses ports outside 1..65535', async () => {
    const w = await dbWorld();
    for (const port of [0, -1, 65536, 2147483647]) {
      expect(fieldErrorsOf(await patchDb(w.connectionId, { port }, w.admin))).toEqual([
        expect.objectContaining({ path: ['input', 'port'], code: 'OUT_OF_RANGE' }),
      ]);
    }
  });

  it('bounds databaseName, username and schema at 1 to 128 characters', async () => {
    const w = await dbWorld();
    const ok = await patchDb(
      w.connectionId,
      { databaseName: 'd'.repeat(128), username: 'u', schema: 's'.repeat(128) },
      w.admin,
    );
    expectTypename(ok, 'PatchDatabaseConnectionSuccess');
    const bad = await patchDb(
      w.connectionId,
      { databaseName: 'd'.repeat(129), username: ' ', schema: '' },
      w.admin,
    );
    expect(fieldErrorsOf(bad).map((e) => [e.path.join('.'), e.code])).toEqual([
      ['input.databaseName', 'TOO_LONG'],
      ['input.username', 'BLANK'],
      ['input.schema', 'BLANK'],
    ]);
  });

  it('takes a password of 1 to 1024 characters exactly as given, spaces included', async () => {
    const w = await dbWorld();
    expectTypename(
      await patchDb(w.connectionId, { password: ' p '.padEnd(1024, 'x') }, w.admin),
      'PatchDatabaseConnectionSuccess',
    );
    expect((await openSecrets(w.tenantId, w.connectionId)).password).toBe(' p '.padEnd(1024, 'x'));
    expectTypename(
      await patchDb(w.connectionId, { password: ' ' }, w.admin),
      'PatchDatabaseConnectionSuccess',
    );
    expect((await openSecrets(w.tenantId, w.connectionId)).password).toBe(' ');
    expect(
      fieldErrorsOf(await patchDb(w.connectionId, { password: 'x'.repeat(1025) }, w.admin)),
    ).toEqual([expect.objectContaining({ path: ['input', 'password'], code: 'TOO_LONG' })]);
  });

  it('metadata: a flat string map of at most 50 entries, keys 1..100, values up to 2000 characters', async () => {
    const w = await dbWorld();
    const fifty = Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`k${i}`, `v${i}`]));
    const tooMany = await patchDb(
      w.connectionId,
      { metadata: { ...fifty, ['k'.repeat(100)]: 'x'.repeat(2000) } },
      w.admin,
    );
    expect(fieldErrorsOf(tooMany)).toEqual([
      expect.objectContaining({ path: ['input', 'metadata'], code: 'TOO_MANY_ENTRIES' }),
    ]);
    const atLimit = await patchDb(
      w.connectionId,
      { metadata: { ...fifty, k0: 'x'.repeat(2000), k1: '' } },
      w.admin,
    );
    expect(
      Object.keys(expectTypename(atLimit, 'PatchDatabaseConnectionSuccess').connection.metadata),
    ).toHaveLength(50);
    const keyAtLimit = await patchDb(
      w.connectionId,
      { metadata: { ['k'.repeat(100)]: 'v' } },
      w.admin,
    );
    expectTypename(keyAtLimit, 'PatchDatabaseConnectionSuccess');

    const bad = await patchDb(
      w.connectionId,
      {
        metadata: {
          obj: { a: 'b' },
          arr: ['a'],
          num: 1,
          bool: true,
          nil: null,
          '': 'empty key',
          ok: 'fine',
        },
      },
      w.admin,
    );
    expect(fieldErrorsOf(bad).map((e) => [e.path, e.code])).toEqual([
      [['input', 'metadata', 'obj'], 'INVALID_METADATA'],
      [['input', 'metadata', 'arr'], 'INVALID_METADATA'],
      [['input', 'metadata', 'num'], 'INVALID_METADATA'],
      [['input', 'metadata', 'bool'], 'INVALID_METADATA'],
      [['input', 'metadata', 'nil'], 'INVALID_METADATA'],
      [['input', 'metadata', ''], 'KEY_BLANK'],
    ]);
  });

  it('metadata written as an inline literal is checked the same way', async () => {
    const w = await dbWorld();
    const r = await gql(
      `mutation($id: ID!) { patchDatabaseConnection(connectionId: $id, input: { metadata: { team: "a", deep: { x: "y" } } }) {
        __typename ... on InvalidInputError { fieldErrors { path code } } } }`,
      { id: w.connectionId },
      w.admin,
    );
    expect(r.errors).toBeUndefined();
    expect(r.data!.patchDatabaseConnection.fieldErrors).toEqual([
      { path: ['input', 'metadata', 'deep'], code: 'INVALID_METADATA' },
    ]);
  });

  it('SSL certificates and key must be PEM of the right kind, at most 16 KiB', async () => {
    const w = await dbWorld();
    const chain = `${CERT_PEM}\n${CA_PEM}\n`;
    const rsaKey = keyPem('r').replace(/PRIVATE KEY/g, 'RSA PRIVATE KEY');
    const ok = await patchDb(
      w.connectionId,
      { ssl: { caCertificate: chain, clientCertificate: CERT_PEM, clientKey: rsaKey } },
      w.admin,
    );
    expect(expectTypename(ok, 'PatchDatabaseConnectionSuccess').connection.ssl.caCertificate).toBe(
      chain.trim(),
    );

    const big = `-----BEGIN CERTIFICATE-----\n${'A'.repeat(16 * 1024)}\n-----END CERTIFICATE-----`;
    const mismatched = CERT_PEM.replace('END CERTIFICATE', 'END PRIVATE KEY');
    const bad = await patchDb(
      w.connectionId,
      {
        ssl: {
          caCertificate: `junk\n${CA_PEM}`,
          clientCertificate: big,
          clientKey: `${keyPem('a')}\n${keyPem('b')}`,
        },
      },
      w.admin,
    );
    expect(fieldErrorsOf(bad).map((e) => [e.path.join('.'), e.code])).toEqual([
      ['input.ssl.caCertificate', 'INVALID_PEM'],
      ['input.ssl.clientCertificate', 'TOO_LONG'],
      ['input.ssl.clientKey', 'INVALID_PEM'],
    ]);
    const more = await patchDb(
      w.connectionId,
      { ssl: { caCertificate: mismatched, clientCertificate: keyPem('c'), clientKey: '' } },
      w.admin,
    );
    expect(fieldErrorsOf(more).map((e) => [e.path.join('.'), e.code])).toEqual([
      ['input.ssl.caCertificate', 'INVALID_PEM'],
      ['input.ssl.clientCertificate', 'INVALID_PEM'],
      ['input.ssl.clientKey', 'BLANK'],
    ]);
  });

  it('a value that is not a DatabaseEngine, or metadata that is not an object, is a top-level GraphQL error that changes nothing', async () => {
    const w = await dbWorld();
    const before = await dbSnapshot(w.tenantId, w.connectionId);
    for (const input of [
      { type: 'SQLITE' },
      { metadata: 'flat' },
      { metadata: ['a'] },
      { ssl: { mode: 'ALLOW' } },
    ]) {
      const r = await gql(PATCH_DB, { connectionId: w.connectionId, input }, w.admin);
      expect(r.errors?.[0].extensions?.code, JSON.stringify(input)).toBe('BAD_USER_INPUT');
    }
    expect(await dbSnapshot(w.tenantId, w.connectionId)).toEqual(before);
  });
});

describe('patchDatabaseConnection: NAME_TAKEN', () => {
  it('a name another connection of the tenant has, in any case: ConflictError NAME_TAKEN, nothing written', async () => {
    const w = await dbWorld({ names: ['orders-db', 'Billing-DB'] });
    const before = await dbSnapshot(w.tenantId, w.connectionId);
    for (const name of ['Billing-DB', 'billing-db', 'BILLING-DB', '  billing-db ']) {
      const r = await patchDb(w.connectionId, { name, port: 1234 }, w.admin);
      expect(expectTypename(r, 'ConflictError')).toMatchObject({
        code: 'CONFLICT',
        reason: 'NAME_TAKEN',
        activeJobIds: [],
        currentVersion: null,
      });
    }
    expect(await dbSnapshot(w.tenantId, w.connectionId)).toEqual(before);
  });

  it('names are unique per tenant only', async () => {
    const w = await dbWorld({ names: ['orders-db'] });
    const other = await dbWorld({ names: ['shared-name'] });
    const r = await patchDb(w.connectionId, { name: 'Shared-Name' }, w.admin);
    expect(expectTypename(r, 'PatchDatabaseConnectionSuccess').connection.name).toBe('Shared-Name');
    void other;
  });
});

describe('patchDatabaseConnection: access', () => {
  it('no token or an unknown key: AuthenticationError, nothing written', async () => {
    const w = await dbWorld();
    for (const token of [undefined, 'cgw_unknown_key']) {
      const r = await patchDb(w.connectionId, { port: 1 }, token);
      expect(expectTypename(r, 'AuthenticationError').code).toBe('UNAUTHENTICATED');
    }
    expect((await dbSnapshot(w.tenantId, w.connectionId)).row!.version).toBe(1);
  });

  it('a member without connections:write: PermissionDeniedError', async () => {
    const w = await dbWorld();
    const r = await patchDb(w.connectionId, { port: 1 }, w.viewer);
    expect(expectTypename(r, 'PermissionDeniedError')).toMatchObject({
      code: 'PERMISSION_DENIED',
      requiredPermissions: ['connections:write'],
    });
    expect((await dbSnapshot(w.tenantId, w.connectionId)).row!.port).toBe(5432);
  });

  it("another tenant's connection is a NotFoundError identical to a random id", async () => {
    const w = await dbWorld();
    const other = await dbWorld();
    const foreign = await patchDb(other.connectionId, { port: 1 }, w.admin);
    const randomId = randomUUID();
    const missing = await patchDb(randomId, { port: 1 }, w.admin);
    expect(expectTypename(foreign, 'NotFoundError')).toEqual({
      __typename: 'NotFoundError',
      code: 'NOT_FOUND',
      message: 'DatabaseConnection not found.',
      resourceType: 'DatabaseConnection',
      resourceId: other.connectionId,
    });
    expect({ ...foreign, resourceId: 'x' }).toEqual({ ...missing, resourceId: 'x' });
    expect(missing.resourceId).toBe(randomId);
    expect((await dbSnapshot(other.tenantId, other.connectionId)).row!.version).toBe(1);
  });

  it('a caller of several tenants patches where it may write, and is refused where it may only read', async () => {
    const a = await dbWorld();
    const b = await dbWorld();
    const { database } = await getHarness();
    const key = `cgw_test_multi_${randomUUID().replace(/-/g, '')}`;
    await createPrincipalWithKey(database.db, {
      principalId: `p-${randomUUID()}`,
      key,
      memberships: [
        { tenantId: a.tenantId, permissions: ['connections:read', 'connections:write'] },
        { tenantId: b.tenantId, permissions: ['connections:read'] },
      ],
    });
    expect(
      expectTypename(
        await patchDb(a.connectionId, { port: 7 }, key),
        'PatchDatabaseConnectionSuccess',
      ).connection.tenantId,
    ).toBe(a.tenantId);
    expectTypename(await patchDb(b.connectionId, { port: 7 }, key), 'PermissionDeniedError');
    expect((await dbSnapshot(b.tenantId, b.connectionId)).row!.port).toBe(5432);
  });

  it('a caller with no membership at all: NotFoundError', async () => {
    const w = await dbWorld();
    const { database } = await getHarness();
    const key = `cgw_test_none_${randomUUID().replace(/-/g, '')}`;
    await createPrincipalWithKey(database.db, {
      principalId: `p-${randomUUID()}`,
      key,
      memberships: [],
    });
    expectTypename(await patchDb(w.connectionId, { port: 7 }, key), 'NotFoundError');
  });
});

describe('patchDatabaseConnection: versions and the order of checks', () => {
  it('a stale expectedVersion: ConflictError VERSION_MISMATCH with the current version, nothing written', async () => {
    const w = await dbWorld();
    await patchDb(w.connectionId, { port: 2 }, w.admin);
    const before = await dbSnapshot(w.tenantId, w.connectionId);
    const r = await patchDb(w.connectionId, { port: 3, expectedVersion: 1 }, w.admin);
    expect(expectTypename(r, 'ConflictError')).toMatchObject({
      reason: 'VERSION_MISMATCH',
      currentVersion: 2,
      activeJobIds: [],
    });
    expect(await dbSnapshot(w.tenantId, w.connectionId)).toEqual(before);
    const current = await patchDb(w.connectionId, { port: 3, expectedVersion: 2 }, w.admin);
    expect(expectTypename(current, 'PatchDatabaseConnectionSuccess').connection.version).toBe(3);
  });

  it('credentials before input', async () => {
    expectTypename(await patchDb('x', { name: null }), 'AuthenticationError');
  });

  it('input before existence and permission', async () => {
    const w = await dbWorld();
    const other = await dbWorld();
    expectTypename(await patchDb(randomUUID(), { port: 0 }, w.admin), 'InvalidInputError');
    expectTypename(await patchDb(w.connectionId, { port: 0 }, w.viewer), 'InvalidInputError');
    expectTypename(await patchDb(w.connectionId, { port: 0 }, other.admin), 'InvalidInputError');
  });

  it('existence before permission: a reader of another tenant gets NotFoundError', async () => {
    const w = await dbWorld();
    const other = await dbWorld();
    expectTypename(await patchDb(w.connectionId, { port: 1 }, other.viewer), 'NotFoundError');
  });

  it('permission before version and active jobs', async () => {
    const w = await dbWorld();
    await addJob(w.tenantId, w.connectionId, 'RUNNING');
    expectTypename(
      await patchDb(w.connectionId, { port: 1, expectedVersion: 9 }, w.viewer),
      'PermissionDeniedError',
    );
  });

  it('version before active jobs, active jobs before the name rule', async () => {
    const w = await dbWorld({ names: ['first-db', 'second-db'] });
    const jobId = await addJob(w.tenantId, w.connectionId, 'QUEUED');
    const stale = await patchDb(w.connectionId, { name: 'second-db', expectedVersion: 5 }, w.admin);
    expect(expectTypename(stale, 'ConflictError').reason).toBe('VERSION_MISMATCH');
    const busy = await patchDb(w.connectionId, { name: 'second-db', expectedVersion: 1 }, w.admin);
    expect(expectTypename(busy, 'ConflictError')).toMatchObject({
      reason: 'ACTIVE_JOBS',
      activeJobIds: [jobId],
    });
  });

  it('a new key of a member is enough: permissions are read from the membership', async () => {
    const w = await dbWorld();
    const writer = await newApiKey(w.tenantId, ['connections:write']);
    expectTypename(
      await patchDb(w.connectionId, { port: 9 }, writer),
      'PatchDatabaseConnectionSuccess',
    );
  });
});
