import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createApp, createOrgConnection } from '../../src/demo/builders.js';
import { expectTypename, getHarness, gql, newApiKey, newTenant } from '../helpers/harness.js';
import {
  appsWorld,
  openStoredApiKey,
  ORG_CONNECTION,
  orgSnapshot,
  REPLACE_ORG,
  secretValue,
} from '../helpers/apps.js';

const replace = (vars: Record<string, unknown>, token?: string) =>
  gql(REPLACE_ORG, vars, token).then((r) => {
    expect(r.errors).toBeUndefined();
    return r.data!.replaceOrgConnection;
  });

type World = Awaited<ReturnType<typeof appsWorld>>;
const vars = (w: World, input: Record<string, unknown>, connectionId = w.connectionId) => ({
  organisationId: w.tenantId,
  connectionId,
  input,
});

describe('replaceOrgConnection: success', () => {
  it('replaces the name and the API key, bumps the version and writes one audit event', async () => {
    const w = await appsWorld();
    const before = await orgSnapshot(w.tenantId, w.connectionId);
    const newKey = secretValue('new-api-key');
    const result = await replace(
      vars(w, { name: '  Ledgerly (EU)  ', data: { apiKey: newKey } }),
      w.admin,
    );
    const { connection } = expectTypename(result, 'ReplaceOrgConnectionSuccess');

    expect(connection).toMatchObject({
      id: w.connectionId,
      orgId: w.tenantId,
      name: 'Ledgerly (EU)',
      hasApiKey: true,
      version: 2,
    });
    expect(connection.credentialId).toMatch(/^[0-9a-f-]{36}$/);
    expect(connection.credentialId).not.toBe(before.row!.credential_id);
    expect(connection.app).toMatchObject({
      id: w.ledger.appId,
      orgId: w.tenantId,
      name: 'Ledgerly',
      public: false,
      imageUrl: null,
      schemaId: null,
      schema: {},
      schemaMetadata: {},
      server: {},
      deletedAt: null,
    });
    expect(connection.app.supportedAuthConfigs).toEqual([
      {
        id: w.ledger.authConfigIds[0],
        type: 'oauth2',
        isValid: false,
        data: { clientId: 'ledgerly' },
        hasSecretData: true,
      },
      {
        id: w.ledger.authConfigIds[1],
        type: 'apikey',
        isValid: true,
        data: { in: 'header', name: 'X-API-Key' },
        hasSecretData: false,
      },
    ]);
    expect(connection.authConfig).toEqual(connection.app.supportedAuthConfigs[1]);
    expect(connection.usedByBoards.map((b: { name: string }) => b.name)).toEqual([
      'Finance overview',
      'Month-end close',
    ]);

    const after = await orgSnapshot(w.tenantId, w.connectionId);
    expect(after.row).toMatchObject({
      name: 'Ledgerly (EU)',
      version: 2,
      credential_id: connection.credentialId,
      auth_config_id: w.ledger.authConfigIds[1],
    });
    expect(after.row!.updated_at.getTime()).toBeGreaterThanOrEqual(
      before.row!.updated_at.getTime(),
    );
    expect(await openStoredApiKey(w.tenantId, w.connectionId)).toBe(newKey);
    expect(after.events).toHaveLength(1);
    expect(after.events[0]).toMatchObject({
      tenant_id: w.tenantId,
      resource_type: 'OrgConnection',
      resource_id: w.connectionId,
      operation: 'replaceOrgConnection',
      changed_fields: ['name', 'apiKey'],
      from_version: 1,
      to_version: 2,
      actor_kind: 'api_key',
    });
    expect(after.boards).toEqual(before.boards);
    expect(after.apps).toEqual(before.apps);
    expect(after.configs).toEqual(before.configs);
  });

  it('stores the key sealed: no column holds it in plain text, and it opens to the new value', async () => {
    const w = await appsWorld();
    const newKey = secretValue('sealed-key');
    const result = await replace(
      vars(w, { name: 'Ledgerly production', data: { apiKey: newKey } }),
      w.admin,
    );
    expectTypename(result, 'ReplaceOrgConnectionSuccess');
    const { row, events } = await orgSnapshot(w.tenantId, w.connectionId);
    const stored = JSON.stringify(row);
    expect(stored).not.toContain(newKey);
    expect(stored).not.toContain(w.apiKey);
    expect(row!.api_key_enc).toMatch(/^v1\.test1\./);
    expect(await openStoredApiKey(w.tenantId, w.connectionId)).toBe(newKey);
    expect(JSON.stringify(events)).not.toContain(newKey);
    expect(events[0].changed_fields).toEqual(['apiKey']);
  });

  it('a new key is a new credential; a rename alone keeps the credential and the sealed key', async () => {
    const w = await appsWorld();
    const before = await orgSnapshot(w.tenantId, w.connectionId);
    const renamed = await replace(
      vars(w, { name: 'Renamed', data: { apiKey: w.apiKey } }),
      w.admin,
    );
    expect(expectTypename(renamed, 'ReplaceOrgConnectionSuccess').connection).toMatchObject({
      name: 'Renamed',
      version: 2,
      credentialId: before.row!.credential_id,
    });
    const afterRename = await orgSnapshot(w.tenantId, w.connectionId);
    expect(afterRename.row!.api_key_enc).toBe(before.row!.api_key_enc);
    expect(afterRename.events.map((e) => e.changed_fields)).toEqual([['name']]);

    const newKey = secretValue('rotated');
    const rotated = await replace(vars(w, { name: 'Renamed', data: { apiKey: newKey } }), w.admin);
    const rotatedConnection = expectTypename(rotated, 'ReplaceOrgConnectionSuccess').connection;
    expect(rotatedConnection.version).toBe(3);
    expect(rotatedConnection.credentialId).not.toBe(before.row!.credential_id);
    const afterRotate = await orgSnapshot(w.tenantId, w.connectionId);
    expect(afterRotate.events.map((e) => [e.changed_fields, e.from_version, e.to_version])).toEqual(
      [
        [['name'], 1, 2],
        [['apiKey'], 2, 3],
      ],
    );
  });

  it('a replace that changes nothing succeeds without a new version or audit event', async () => {
    const w = await appsWorld();
    const before = await orgSnapshot(w.tenantId, w.connectionId);
    const result = await replace(
      vars(w, { name: ' Ledgerly production ', data: { apiKey: w.apiKey }, expectedVersion: 1 }),
      w.admin,
    );
    const { connection } = expectTypename(result, 'ReplaceOrgConnectionSuccess');
    expect(connection).toMatchObject({
      version: 1,
      name: 'Ledgerly production',
      credentialId: before.row!.credential_id,
    });
    expect(await orgSnapshot(w.tenantId, w.connectionId)).toEqual(before);
  });

  it("moves a connection onto the App's valid apikey config (authConfig changes, audited by name)", async () => {
    const w = await appsWorld();
    const { database, secrets } = await getHarness();
    // A connection still on the App's (invalid) oauth2 config, and one with no config and no key.
    const onOauth = await createOrgConnection(database.db, secrets, {
      tenantId: w.tenantId,
      appId: w.ledger.appId,
      authConfigId: w.ledger.authConfigIds[0],
      name: 'Old style',
      apiKey: w.apiKey,
    });
    const bare = await createOrgConnection(database.db, secrets, {
      tenantId: w.tenantId,
      appId: w.ledger.appId,
      authConfigId: null,
      name: 'Bare',
    });
    const bareBefore = await gql(
      ORG_CONNECTION,
      { organisationId: w.tenantId, connectionId: bare },
      w.viewer,
    );
    expect(bareBefore.data!.orgConnection).toMatchObject({ hasApiKey: false, authConfig: null });

    const moved = await replace(
      vars(w, { name: 'Old style', data: { apiKey: w.apiKey } }, onOauth),
      w.admin,
    );
    expect(
      expectTypename(moved, 'ReplaceOrgConnectionSuccess').connection.authConfig,
    ).toMatchObject({
      id: w.ledger.authConfigIds[1],
      type: 'apikey',
    });
    expect((await orgSnapshot(w.tenantId, onOauth)).events.map((e) => e.changed_fields)).toEqual([
      ['authConfig'],
    ]);

    const key = secretValue('first-key');
    const filled = await replace(vars(w, { name: 'Bare', data: { apiKey: key } }, bare), w.admin);
    expect(expectTypename(filled, 'ReplaceOrgConnectionSuccess').connection).toMatchObject({
      hasApiKey: true,
      version: 2,
      authConfig: { id: w.ledger.authConfigIds[1] },
    });
    expect((await orgSnapshot(w.tenantId, bare)).events.map((e) => e.changed_fields)).toEqual([
      ['apiKey', 'authConfig'],
    ]);
    expect(await openStoredApiKey(w.tenantId, bare)).toBe(key);
  });

  it('keeps the API key exactly as given (never trimmed) and accepts 4096 characters', async () => {
    const w = await appsWorld();
    const spaced = `  ${secretValue('spaced')}\t `;
    const r1 = await replace(vars(w, { name: 'x', data: { apiKey: spaced } }), w.admin);
    expectTypename(r1, 'ReplaceOrgConnectionSuccess');
    expect(await openStoredApiKey(w.tenantId, w.connectionId)).toBe(spaced);
    const long = 'k'.repeat(4096);
    const r2 = await replace(vars(w, { name: 'x', data: { apiKey: long } }), w.admin);
    expect(expectTypename(r2, 'ReplaceOrgConnectionSuccess').connection.version).toBe(3);
    expect(await openStoredApiKey(w.tenantId, w.connectionId)).toBe(long);
  });

  it('a stored key that does not open counts as different: the replace repairs it and logs no secret', async () => {
    const w = await appsWorld();
    const { database, logs } = await getHarness();
    // The key sealed for the other connection does not open under this one's context.
    const foreign = await database.db
      .selectFrom('org_connections')
      .select('api_key_enc')
      .where('id', '=', w.connectionId)
      .executeTakeFirstOrThrow();
    await database.db
      .updateTable('org_connections')
      .set({ api_key_enc: foreign.api_key_enc })
      .where('id', '=', w.crmConnectionId)
      .execute();
    const logsBefore = logs.length;
    const result = await replace(
      vars(w, { name: 'PipeCRM sales', data: { apiKey: w.apiKey } }, w.crmConnectionId),
      w.admin,
    );
    // The CRM App has no apikey config: the rules answer before the key is ever compared.
    expectTypename(result, 'InvalidInputError');
    await database.db
      .updateTable('org_connections')
      .set({
        api_key_enc: foreign.api_key_enc,
        app_id: w.ledger.appId,
        auth_config_id: w.ledger.authConfigIds[1],
      })
      .where('id', '=', w.crmConnectionId)
      .execute();
    const repaired = await replace(
      vars(w, { name: 'PipeCRM sales', data: { apiKey: w.apiKey } }, w.crmConnectionId),
      w.admin,
    );
    expect(expectTypename(repaired, 'ReplaceOrgConnectionSuccess').connection.version).toBe(2);
    expect((await orgSnapshot(w.tenantId, w.crmConnectionId)).events[0].changed_fields).toEqual([
      'apiKey',
    ]);
    expect(await openStoredApiKey(w.tenantId, w.crmConnectionId)).toBe(w.apiKey);
    const newLogs = logs.slice(logsBefore);
    expect(newLogs.some((l) => l.msg === 'stored API key did not open; replacing it')).toBe(true);
    expect(JSON.stringify(newLogs)).not.toContain(w.apiKey);
  });

  it('accepts ids in upper case', async () => {
    const w = await appsWorld();
    const result = await replace(
      {
        organisationId: w.tenantId,
        connectionId: w.connectionId.toUpperCase(),
        input: { name: 'Up', data: { apiKey: w.apiKey } },
      },
      w.admin,
    );
    expect(expectTypename(result, 'ReplaceOrgConnectionSuccess').connection.id).toBe(
      w.connectionId,
    );
  });
});

describe('replaceOrgConnection: secrets are write-only', () => {
  it('no response, audit event or log line carries the API key or the clientSecret', async () => {
    const w = await appsWorld();
    const { logs } = await getHarness();
    const logsBefore = logs.length;
    const newKey = secretValue('never-returned');
    const mutation = await gql(
      REPLACE_ORG,
      vars(w, { name: 'Secretive', data: { apiKey: newKey } }),
      w.admin,
    );
    expectTypename(mutation.data!.replaceOrgConnection, 'ReplaceOrgConnectionSuccess');
    const failing = await gql(
      REPLACE_ORG,
      vars(w, { name: '', data: { apiKey: newKey } }, w.crmConnectionId),
      w.admin,
    );
    expectTypename(failing.data!.replaceOrgConnection, 'InvalidInputError');
    const unsupported = await gql(
      REPLACE_ORG,
      vars(w, { name: 'CRM', data: { apiKey: newKey } }, w.crmConnectionId),
      w.admin,
    );
    expectTypename(unsupported.data!.replaceOrgConnection, 'InvalidInputError');
    const query = await gql(
      ORG_CONNECTION,
      { organisationId: w.tenantId, connectionId: w.connectionId },
      w.viewer,
    );
    const crm = await gql(
      ORG_CONNECTION,
      { organisationId: w.tenantId, connectionId: w.crmConnectionId },
      w.viewer,
    );
    expect(query.data!.orgConnection.app.supportedAuthConfigs).toHaveLength(2);
    expect(crm.data!.orgConnection.authConfig).toMatchObject({
      type: 'oauth2',
      hasSecretData: true,
    });

    const everything = JSON.stringify([
      mutation,
      failing,
      unsupported,
      query,
      crm,
      logs.slice(logsBefore),
    ]);
    for (const secret of [newKey, w.apiKey, w.clientSecret])
      expect(everything).not.toContain(secret);
    const { events } = await orgSnapshot(w.tenantId, w.connectionId);
    expect(JSON.stringify(events)).not.toContain(newKey);
  });
});

describe('replaceOrgConnection: service rules', () => {
  it('an App without a valid apikey auth config: InvalidInputError at ["input","data"], nothing written', async () => {
    const w = await appsWorld();
    const before = await orgSnapshot(w.tenantId, w.crmConnectionId);
    const result = await replace(
      vars(w, { name: 'PipeCRM sales', data: { apiKey: secretValue('k') } }, w.crmConnectionId),
      w.admin,
    );
    const error = expectTypename(result, 'InvalidInputError');
    expect(error.code).toBe('INVALID_INPUT');
    expect(error.fieldErrors).toEqual([
      {
        path: ['input', 'data'],
        code: 'UNSUPPORTED_AUTH_TYPE',
        message: expect.stringContaining('apikey'),
      },
    ]);
    expect(await orgSnapshot(w.tenantId, w.crmConnectionId)).toEqual(before);
  });

  it('an apikey config that is not valid does not count', async () => {
    const w = await appsWorld();
    const { database, secrets } = await getHarness();
    const app = await createApp(database.db, secrets, {
      tenantId: w.tenantId,
      name: 'Half configured',
      authConfigs: [{ type: 'apikey', isValid: false }],
    });
    const connectionId = await createOrgConnection(database.db, secrets, {
      tenantId: w.tenantId,
      appId: app.appId,
      authConfigId: app.authConfigIds[0],
      name: 'Half',
      apiKey: w.apiKey,
    });
    const before = await orgSnapshot(w.tenantId, connectionId);
    const result = await replace(
      vars(w, { name: 'Half', data: { apiKey: 'other' } }, connectionId),
      w.admin,
    );
    expect(expectTypename(result, 'InvalidInputError').fieldErrors).toEqual([
      expect.objectContaining({ path: ['input', 'data'], code: 'UNSUPPORTED_AUTH_TYPE' }),
    ]);
    expect(await orgSnapshot(w.tenantId, connectionId)).toEqual(before);
  });

  it('a deleted App: ConflictError APP_DELETED, nothing written', async () => {
    const w = await appsWorld({ appDeleted: true });
    const before = await orgSnapshot(w.tenantId, w.connectionId);
    const result = await replace(
      vars(w, { name: 'New', data: { apiKey: secretValue('k') } }),
      w.admin,
    );
    expect(expectTypename(result, 'ConflictError')).toMatchObject({
      code: 'CONFLICT',
      reason: 'APP_DELETED',
      currentVersion: null,
      activeJobIds: [],
    });
    expect(await orgSnapshot(w.tenantId, w.connectionId)).toEqual(before);
    // Reads still show the connection, with its App's deletion time.
    const read = await gql(
      ORG_CONNECTION,
      { organisationId: w.tenantId, connectionId: w.connectionId },
      w.viewer,
    );
    expect(new Date(read.data!.orgConnection.app.deletedAt).toISOString()).toBe(
      '2026-06-01T00:00:00.000Z',
    );
  });

  it('a deleted App without an apikey config: APP_DELETED comes first', async () => {
    const tenantId = await newTenant();
    const { database, secrets } = await getHarness();
    const app = await createApp(database.db, secrets, {
      tenantId,
      name: 'Gone',
      deletedAt: new Date(),
      authConfigs: [{ type: 'oauth2', isValid: true }],
    });
    const connectionId = await createOrgConnection(database.db, secrets, {
      tenantId,
      appId: app.appId,
      name: 'Gone',
    });
    const admin = await newApiKey(tenantId, ['connections:write']);
    const result = await replace(
      { organisationId: tenantId, connectionId, input: { name: 'x', data: { apiKey: 'k' } } },
      admin,
    );
    expect(expectTypename(result, 'ConflictError').reason).toBe('APP_DELETED');
  });
});

describe('replaceOrgConnection: InvalidInputError', () => {
  it('reports every field error of the request together, with paths', async () => {
    const w = await appsWorld();
    const result = await replace(
      {
        organisationId: 'Not An Org!',
        connectionId: 'nope',
        input: { name: '   ', data: { apiKey: '  ' }, expectedVersion: 0 },
      },
      w.admin,
    );
    const error = expectTypename(result, 'InvalidInputError');
    expect(error.fieldErrors).toEqual([
      expect.objectContaining({ path: ['organisationId'], code: 'INVALID_ID' }),
      expect.objectContaining({ path: ['connectionId'], code: 'INVALID_UUID' }),
      expect.objectContaining({ path: ['input', 'name'], code: 'BLANK' }),
      expect.objectContaining({ path: ['input', 'data', 'apiKey'], code: 'BLANK' }),
      expect.objectContaining({ path: ['input', 'expectedVersion'], code: 'OUT_OF_RANGE' }),
    ]);
  });

  it('bounds the name and the API key, and never quotes the key', async () => {
    const w = await appsWorld();
    const before = await orgSnapshot(w.tenantId, w.connectionId);
    const tooLongKey = `${secretValue('long')}${'k'.repeat(4096)}`;
    const cases: [Record<string, unknown>, string[], string][] = [
      [{ name: 'x'.repeat(201), data: { apiKey: 'k' } }, ['input', 'name'], 'TOO_LONG'],
      [{ name: 'a\u0007b', data: { apiKey: 'k' } }, ['input', 'name'], 'INVALID_CHARACTERS'],
      [{ name: 'ok', data: { apiKey: '' } }, ['input', 'data', 'apiKey'], 'BLANK'],
      [{ name: 'ok', data: { apiKey: ' \n\t ' } }, ['input', 'data', 'apiKey'], 'BLANK'],
      [{ name: 'ok', data: { apiKey: tooLongKey } }, ['input', 'data', 'apiKey'], 'TOO_LONG'],
    ];
    for (const [input, path, code] of cases) {
      const result = await replace(vars(w, input), w.admin);
      const error = expectTypename(result, 'InvalidInputError');
      expect(error.fieldErrors, JSON.stringify(input).slice(0, 80)).toEqual([
        expect.objectContaining({ path, code }),
      ]);
      expect(JSON.stringify(error)).not.toContain(tooLongKey.slice(0, 30));
    }
    const ok = await replace(
      vars(w, { name: 'x'.repeat(200), data: { apiKey: w.apiKey } }),
      w.admin,
    );
    expect(expectTypename(ok, 'ReplaceOrgConnectionSuccess').connection.name).toHaveLength(200);
    const after = await orgSnapshot(w.tenantId, w.connectionId);
    expect(after.events).toHaveLength(1);
    expect(after.row!.api_key_enc).toBe(before.row!.api_key_enc);
  });

  it('leaves the data exactly as it was', async () => {
    const w = await appsWorld();
    const before = await orgSnapshot(w.tenantId, w.connectionId);
    await replace(vars(w, { name: '', data: { apiKey: secretValue('k') } }), w.admin);
    expect(await orgSnapshot(w.tenantId, w.connectionId)).toEqual(before);
  });

  it('a missing or mistyped input field is a top-level error that quotes no API key (the input type is fixed by SPEC)', async () => {
    const w = await appsWorld();
    const secret = secretValue('mistyped');
    for (const input of [
      { name: 'x' },
      { name: 'x', data: { apiKey: secret, extra: 1 } },
      { name: null, data: { apiKey: secret } },
    ]) {
      const r = await gql(REPLACE_ORG, vars(w, input), w.admin);
      expect(r.errors).toHaveLength(1);
      expect(r.data?.replaceOrgConnection).toBeUndefined();
      expect(JSON.stringify(r)).not.toContain(secret);
    }
  });
});

describe('replaceOrgConnection: access', () => {
  it('no token, an unknown key: AuthenticationError', async () => {
    const w = await appsWorld();
    const before = await orgSnapshot(w.tenantId, w.connectionId);
    for (const token of [undefined, 'cgw_unknown_key']) {
      const result = await replace(vars(w, { name: 'x', data: { apiKey: 'k' } }), token);
      expect(expectTypename(result, 'AuthenticationError').code).toBe('UNAUTHENTICATED');
    }
    expect(await orgSnapshot(w.tenantId, w.connectionId)).toEqual(before);
  });

  it('a caller who is not a member of the organisation: AuthenticationError', async () => {
    const w = await appsWorld();
    const other = await appsWorld();
    const result = await replace(vars(w, { name: 'x', data: { apiKey: 'k' } }), other.admin);
    expectTypename(result, 'AuthenticationError');
  });

  it('a member without connections:write: PermissionDeniedError PERMISSION_DENIED', async () => {
    const w = await appsWorld();
    const before = await orgSnapshot(w.tenantId, w.connectionId);
    const result = await replace(vars(w, { name: 'x', data: { apiKey: 'k' } }), w.viewer);
    expect(expectTypename(result, 'PermissionDeniedError')).toMatchObject({
      code: 'PERMISSION_DENIED',
      requiredPermissions: ['connections:write'],
    });
    expect(await orgSnapshot(w.tenantId, w.connectionId)).toEqual(before);
  });

  it("another organisation's connection is reported exactly like a missing one", async () => {
    const w = await appsWorld();
    const other = await appsWorld();
    const before = await orgSnapshot(other.tenantId, other.connectionId);
    const foreign = await replace(
      vars(w, { name: 'x', data: { apiKey: 'k' } }, other.connectionId),
      w.admin,
    );
    const missing = await replace(
      vars(w, { name: 'x', data: { apiKey: 'k' } }, randomUUID()),
      w.admin,
    );
    expect(expectTypename(foreign, 'NotFoundError')).toMatchObject({
      code: 'NOT_FOUND',
      resourceType: 'OrgConnection',
      resourceId: other.connectionId,
    });
    expect({ ...foreign, resourceId: 'x' }).toEqual({ ...missing, resourceId: 'x' });
    expect(await orgSnapshot(other.tenantId, other.connectionId)).toEqual(before);
  });
});

describe('replaceOrgConnection: versions', () => {
  it('a stale expectedVersion: ConflictError VERSION_MISMATCH with the current version, nothing written', async () => {
    const w = await appsWorld();
    await replace(vars(w, { name: 'v2', data: { apiKey: w.apiKey } }), w.admin);
    const before = await orgSnapshot(w.tenantId, w.connectionId);
    const result = await replace(
      vars(w, { name: 'v3', data: { apiKey: 'k' }, expectedVersion: 1 }),
      w.admin,
    );
    expect(expectTypename(result, 'ConflictError')).toMatchObject({
      code: 'CONFLICT',
      reason: 'VERSION_MISMATCH',
      currentVersion: 2,
      activeJobIds: [],
    });
    expect(await orgSnapshot(w.tenantId, w.connectionId)).toEqual(before);
    const current = await replace(
      vars(w, { name: 'v3', data: { apiKey: w.apiKey }, expectedVersion: 2 }),
      w.admin,
    );
    expect(expectTypename(current, 'ReplaceOrgConnectionSuccess').connection.version).toBe(3);
  });

  it('an explicit null expectedVersion means "any version"', async () => {
    const w = await appsWorld();
    const result = await replace(
      vars(w, { name: 'Any', data: { apiKey: w.apiKey }, expectedVersion: null }),
      w.admin,
    );
    expect(expectTypename(result, 'ReplaceOrgConnectionSuccess').connection.version).toBe(2);
  });
});

describe('replaceOrgConnection: the order of checks', () => {
  const bad = { name: '', data: { apiKey: 'k' } };
  const good = { name: 'fine', data: { apiKey: 'k' } };

  it('credentials before input', async () => {
    const result = await replace({ organisationId: '!!', connectionId: 'x', input: bad });
    expectTypename(result, 'AuthenticationError');
  });

  it('input before membership', async () => {
    const w = await appsWorld();
    const other = await appsWorld();
    expectTypename(await replace(vars(w, bad), other.admin), 'InvalidInputError');
  });

  it('membership before permission', async () => {
    const w = await appsWorld();
    const other = await appsWorld();
    expectTypename(await replace(vars(w, good), other.viewer), 'AuthenticationError');
  });

  it('permission before existence', async () => {
    const w = await appsWorld();
    expectTypename(await replace(vars(w, good, randomUUID()), w.viewer), 'PermissionDeniedError');
  });

  it('existence before version', async () => {
    const w = await appsWorld();
    expectTypename(
      await replace(vars(w, { ...good, expectedVersion: 9 }, randomUUID()), w.admin),
      'NotFoundError',
    );
  });

  it('version before the App rules (deleted App, no apikey config)', async () => {
    const deleted = await appsWorld({ appDeleted: true });
    const r1 = await replace(vars(deleted, { ...good, expectedVersion: 9 }), deleted.admin);
    expect(expectTypename(r1, 'ConflictError').reason).toBe('VERSION_MISMATCH');
    const w = await appsWorld();
    const r2 = await replace(vars(w, { ...good, expectedVersion: 9 }, w.crmConnectionId), w.admin);
    expect(expectTypename(r2, 'ConflictError')).toMatchObject({
      reason: 'VERSION_MISMATCH',
      currentVersion: 1,
    });
  });

  it('an organisation that does not exist is answered like one the caller is not a member of', async () => {
    const tenantId = await newTenant();
    const key = await newApiKey(tenantId, ['connections:write']);
    const result = await replace(
      { organisationId: 'no-such-org', connectionId: randomUUID(), input: good },
      key,
    );
    expectTypename(result, 'AuthenticationError');
  });
});

describe('replaceOrgConnection: concurrency (server only)', () => {
  it.skipIf(!process.env.TEST_DATABASE_URL)(
    'an App deleted while the replace waits for it is seen: APP_DELETED, nothing written',
    async () => {
      const w = await appsWorld();
      const { database } = await getHarness();
      const before = await orgSnapshot(w.tenantId, w.connectionId);
      let pending: Promise<any> | undefined;
      await database.db.transaction().execute(async (trx) => {
        await trx
          .updateTable('apps')
          .set({ deleted_at: new Date() })
          .where('tenant_id', '=', w.tenantId)
          .where('id', '=', w.ledger.appId)
          .execute();
        pending = replace(vars(w, { name: 'Racing', data: { apiKey: secretValue('k') } }), w.admin);
        await new Promise((resolve) => setTimeout(resolve, 300));
      });
      expect(expectTypename(await pending, 'ConflictError').reason).toBe('APP_DELETED');
      const after = await orgSnapshot(w.tenantId, w.connectionId);
      expect(after.row).toEqual(before.row);
      expect(after.events).toEqual([]);
    },
  );

  it.skipIf(!process.env.TEST_DATABASE_URL)(
    'two replaces against the same version: one wins, the other gets VERSION_MISMATCH',
    async () => {
      const w = await appsWorld();
      const results = await Promise.all(
        ['A', 'B'].map((name) =>
          replace(
            vars(w, { name, data: { apiKey: secretValue(name) }, expectedVersion: 1 }),
            w.admin,
          ),
        ),
      );
      const typenames = results.map((r) => r.__typename).sort();
      expect(typenames).toEqual(['ConflictError', 'ReplaceOrgConnectionSuccess']);
      const loser = results.find((r) => r.__typename === 'ConflictError');
      expect(loser).toMatchObject({ reason: 'VERSION_MISMATCH', currentVersion: 2 });
      const { row, events } = await orgSnapshot(w.tenantId, w.connectionId);
      expect(row!.version).toBe(2);
      expect(events).toHaveLength(1);
    },
  );
});
