import { randomBytes, randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  createNexusClient,
  createNexusConnection,
  createPrincipalWithKey,
} from '../../src/demo/builders.js';
import { expectTypename, getHarness, gql, newApiKey, newTenant } from '../helpers/harness.js';
import { enabledMap, nexusSnapshot, nexusWorld, SET_CLIENT_ENABLED } from '../helpers/nexus.js';
import { onServer } from '../helpers/server.js';

const set = (vars: Record<string, unknown>, token?: string) =>
  gql(SET_CLIENT_ENABLED, vars, token).then((r) => {
    expect(r.errors).toBeUndefined();
    return r.data!.setConnectionClientEnabled;
  });

const BOTH = ['client.write', 'client.write.all'];

describe('setConnectionClientEnabled: success', () => {
  it('disables a client, bumps the version and writes one audit event', async () => {
    const w = await nexusWorld();
    const result = await set(
      {
        tenantId: w.tenantId,
        connectionId: w.connectionId,
        input: { clientId: 'web', enabled: false },
      },
      w.admin,
    );
    const success = expectTypename(result, 'SetConnectionClientEnabledSuccess');
    expect(success.client).toEqual({ id: 'web', name: `Web ${w.tenantId}` });
    expect(success.enabled).toBe(false);
    expect(success.connection).toMatchObject({
      id: w.connectionId,
      tenantId: w.tenantId,
      name: 'Main',
      version: 2,
    });
    expect(success.connection.clients).toEqual([
      { client: { id: 'mobile', name: `Mobile ${w.tenantId}` }, enabled: true },
      { client: { id: 'web', name: `Web ${w.tenantId}` }, enabled: false },
      { client: { id: 'batch', name: `Batch ${w.tenantId}` }, enabled: false },
    ]);
    expect(new Date(success.connection.updatedAt).getTime()).toBeGreaterThanOrEqual(
      new Date(success.connection.createdAt).getTime(),
    );

    const { row, clients, events } = await nexusSnapshot(w.tenantId, w.connectionId);
    expect(row).toMatchObject({ version: 2 });
    expect(clients.map((c) => [c.client_id, c.position, c.enabled])).toEqual([
      ['mobile', 0, true],
      ['web', 1, false],
      ['batch', 2, false],
    ]);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      tenant_id: w.tenantId,
      resource_type: 'NexusConnection',
      resource_id: w.connectionId,
      operation: 'setConnectionClientEnabled',
      changed_fields: ['clients'],
      from_version: 1,
      to_version: 2,
      actor_kind: 'api_key',
    });
    expect(events[0].request_id).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('enables a disabled client, then disables it again: one version and one audit event each', async () => {
    const w = await nexusWorld();
    const on = await set(
      {
        tenantId: w.tenantId,
        connectionId: w.connectionId,
        input: { clientId: 'batch', enabled: true },
      },
      w.admin,
    );
    expect(expectTypename(on, 'SetConnectionClientEnabledSuccess')).toMatchObject({
      enabled: true,
      connection: { version: 2 },
    });
    expect(await enabledMap(w.tenantId, w.connectionId)).toEqual({
      mobile: true,
      web: true,
      batch: true,
    });
    const off = await set(
      {
        tenantId: w.tenantId,
        connectionId: w.connectionId,
        input: { clientId: 'batch', enabled: false, expectedVersion: 2 },
      },
      w.admin,
    );
    expect(expectTypename(off, 'SetConnectionClientEnabledSuccess')).toMatchObject({
      enabled: false,
      connection: { version: 3 },
    });
    const { events } = await nexusSnapshot(w.tenantId, w.connectionId);
    expect(events.map((e) => [e.from_version, e.to_version, e.changed_fields])).toEqual([
      [1, 2, ['clients']],
      [2, 3, ['clients']],
    ]);
  });

  it('the owner with client.write toggles its own client', async () => {
    const w = await nexusWorld();
    const result = await set(
      {
        tenantId: w.tenantId,
        connectionId: w.connectionId,
        input: { clientId: 'mobile', enabled: false },
      },
      w.owner,
    );
    const success = expectTypename(result, 'SetConnectionClientEnabledSuccess');
    expect(success).toMatchObject({
      enabled: false,
      client: { id: 'mobile' },
      connection: { version: 2 },
    });
    expect(await enabledMap(w.tenantId, w.connectionId)).toEqual({
      mobile: false,
      web: true,
      batch: false,
    });
    const { events } = await nexusSnapshot(w.tenantId, w.connectionId);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ actor_id: w.ownerId, changed_fields: ['clients'] });
  });

  it('an owner whose key holds client.write but not connections:read may still toggle its client', async () => {
    const w = await nexusWorld();
    const result = await set(
      {
        tenantId: w.tenantId,
        connectionId: w.connectionId,
        input: { clientId: 'web', enabled: false },
      },
      w.otherOwner,
    );
    expect(expectTypename(result, 'SetConnectionClientEnabledSuccess').connection.version).toBe(2);
  });

  it('client.write.all toggles any client of the tenant, whoever owns it', async () => {
    const w = await nexusWorld();
    for (const [clientId, enabled] of [
      ['mobile', false],
      ['web', false],
      ['batch', true],
    ] as const) {
      const result = await set(
        { tenantId: w.tenantId, connectionId: w.connectionId, input: { clientId, enabled } },
        w.admin,
      );
      expect(expectTypename(result, 'SetConnectionClientEnabledSuccess')).toMatchObject({
        enabled,
        client: { id: clientId },
      });
    }
    expect(await enabledMap(w.tenantId, w.connectionId)).toEqual({
      mobile: false,
      web: false,
      batch: true,
    });
    expect((await nexusSnapshot(w.tenantId, w.connectionId)).row!.version).toBe(4);
  });

  it('is idempotent: setting the current value succeeds without a new version or audit event', async () => {
    const w = await nexusWorld();
    const before = await nexusSnapshot(w.tenantId, w.connectionId);
    const cases: [string, boolean, string][] = [
      ['mobile', true, w.admin],
      ['batch', false, w.admin],
      ['mobile', true, w.owner],
    ];
    for (const [clientId, enabled, token] of cases) {
      const result = await set(
        {
          tenantId: w.tenantId,
          connectionId: w.connectionId,
          input: { clientId, enabled, expectedVersion: 1 },
        },
        token,
      );
      const success = expectTypename(result, 'SetConnectionClientEnabledSuccess');
      expect(success).toMatchObject({
        enabled,
        client: { id: clientId },
        connection: { version: 1 },
      });
    }
    expect(await nexusSnapshot(w.tenantId, w.connectionId)).toEqual(before);

    // Twice the same change: the second call is the no-op.
    const first = await set(
      {
        tenantId: w.tenantId,
        connectionId: w.connectionId,
        input: { clientId: 'web', enabled: false },
      },
      w.admin,
    );
    const again = await set(
      {
        tenantId: w.tenantId,
        connectionId: w.connectionId,
        input: { clientId: 'web', enabled: false },
      },
      w.admin,
    );
    expect(expectTypename(first, 'SetConnectionClientEnabledSuccess').connection.version).toBe(2);
    expect(expectTypename(again, 'SetConnectionClientEnabledSuccess')).toMatchObject({
      enabled: false,
      connection: { version: 2 },
    });
    expect((await nexusSnapshot(w.tenantId, w.connectionId)).events).toHaveLength(1);
  });

  it('enabling a client of the tenant that is not on the connection appends it, enabled, at the end', async () => {
    const w = await nexusWorld();
    const result = await set(
      {
        tenantId: w.tenantId,
        connectionId: w.connectionId,
        input: { clientId: 'spare', enabled: true, expectedVersion: 1 },
      },
      w.admin,
    );
    const success = expectTypename(result, 'SetConnectionClientEnabledSuccess');
    expect(success).toMatchObject({
      client: { id: 'spare', name: `Spare ${w.tenantId}` },
      enabled: true,
      connection: { version: 2 },
    });
    expect(success.connection.clients.map((c: any) => [c.client.id, c.enabled])).toEqual([
      ['mobile', true],
      ['web', true],
      ['batch', false],
      ['spare', true],
    ]);
    const { clients, events } = await nexusSnapshot(w.tenantId, w.connectionId);
    expect(clients.map((c) => [c.client_id, c.position, c.enabled])).toEqual([
      ['mobile', 0, true],
      ['web', 1, true],
      ['batch', 2, false],
      ['spare', 3, true],
    ]);
    expect(events.map((e) => [e.changed_fields, e.from_version, e.to_version])).toEqual([
      [['clients'], 1, 2],
    ]);
    // Now on the list: enabling again is a no-op, disabling is an ordinary change.
    const again = await set(
      {
        tenantId: w.tenantId,
        connectionId: w.connectionId,
        input: { clientId: 'spare', enabled: true },
      },
      w.admin,
    );
    expect(expectTypename(again, 'SetConnectionClientEnabledSuccess').connection.version).toBe(2);
    const off = await set(
      {
        tenantId: w.tenantId,
        connectionId: w.connectionId,
        input: { clientId: 'spare', enabled: false },
      },
      w.admin,
    );
    expect(expectTypename(off, 'SetConnectionClientEnabledSuccess').connection.version).toBe(3);
    expect(await enabledMap(w.tenantId, w.connectionId)).toMatchObject({ spare: false });
  });

  it('disabling a client of the tenant that is not on the connection succeeds and changes nothing', async () => {
    const w = await nexusWorld();
    const before = await nexusSnapshot(w.tenantId, w.connectionId);
    const result = await set(
      {
        tenantId: w.tenantId,
        connectionId: w.connectionId,
        input: { clientId: 'spare', enabled: false },
      },
      w.admin,
    );
    expect(expectTypename(result, 'SetConnectionClientEnabledSuccess')).toMatchObject({
      client: { id: 'spare', name: `Spare ${w.tenantId}` },
      enabled: false,
      connection: { version: 1 },
    });
    expect(await nexusSnapshot(w.tenantId, w.connectionId)).toEqual(before);
  });

  it('accepts the connection id in upper case', async () => {
    const w = await nexusWorld();
    const result = await set(
      {
        tenantId: w.tenantId,
        connectionId: w.connectionId.toUpperCase(),
        input: { clientId: 'web', enabled: false },
      },
      w.admin,
    );
    expect(expectTypename(result, 'SetConnectionClientEnabledSuccess').connection.id).toBe(
      w.connectionId,
    );
  });

  it('only the named connection changes: the same client on another connection keeps its state', async () => {
    const w = await nexusWorld();
    const { database } = await getHarness();
    const second = await createNexusConnection(database.db, {
      tenantId: w.tenantId,
      name: 'Second',
      clients: [{ clientId: 'web', enabled: true }],
    });
    await set(
      {
        tenantId: w.tenantId,
        connectionId: w.connectionId,
        input: { clientId: 'web', enabled: false },
      },
      w.admin,
    );
    expect(await enabledMap(w.tenantId, second)).toEqual({ web: true });
    expect((await nexusSnapshot(w.tenantId, second)).row!.version).toBe(1);
  });
});

describe('setConnectionClientEnabled: InvalidInputError', () => {
  it('a null clientId: NOT_NULLABLE at ["input","clientId"]', async () => {
    const w = await nexusWorld();
    const result = await set(
      {
        tenantId: w.tenantId,
        connectionId: w.connectionId,
        input: { clientId: null, enabled: false },
      },
      w.admin,
    );
    const error = expectTypename(result, 'InvalidInputError');
    expect(error.code).toBe('INVALID_INPUT');
    expect(error.fieldErrors).toEqual([
      { path: ['input', 'clientId'], code: 'NOT_NULLABLE', message: 'cannot be null' },
    ]);
  });

  it('a missing clientId: REQUIRED at ["input","clientId"]', async () => {
    const w = await nexusWorld();
    const result = await set(
      { tenantId: w.tenantId, connectionId: w.connectionId, input: { enabled: false } },
      w.admin,
    );
    expect(expectTypename(result, 'InvalidInputError').fieldErrors).toEqual([
      { path: ['input', 'clientId'], code: 'REQUIRED', message: 'is required' },
    ]);
  });

  it('a malformed clientId: INVALID_ID; 128 characters pass, 129 do not', async () => {
    const w = await nexusWorld();
    for (const clientId of [
      '',
      '-web',
      '.web',
      'web app',
      'wéb',
      'web/1',
      'x'.repeat(129),
      'a\u0000b',
    ]) {
      const result = await set(
        { tenantId: w.tenantId, connectionId: w.connectionId, input: { clientId, enabled: false } },
        w.admin,
      );
      expect(
        expectTypename(result, 'InvalidInputError').fieldErrors,
        JSON.stringify(clientId),
      ).toEqual([expect.objectContaining({ path: ['input', 'clientId'], code: 'INVALID_ID' })]);
    }
    for (const clientId of ['x'.repeat(128), 'A1._-z', '9']) {
      const result = await set(
        { tenantId: w.tenantId, connectionId: w.connectionId, input: { clientId, enabled: false } },
        w.admin,
      );
      expect(expectTypename(result, 'NotFoundError')).toMatchObject({
        resourceType: 'Client',
        resourceId: clientId,
      });
    }
  });

  it('reports every field error of the request together, with paths', async () => {
    const w = await nexusWorld();
    const result = await set(
      {
        tenantId: 'Not A Tenant!',
        connectionId: 'not-a-uuid',
        input: { clientId: null, enabled: true, expectedVersion: 0 },
      },
      w.admin,
    );
    const error = expectTypename(result, 'InvalidInputError');
    expect(error.fieldErrors).toEqual([
      expect.objectContaining({ path: ['tenantId'], code: 'INVALID_ID' }),
      expect.objectContaining({ path: ['connectionId'], code: 'INVALID_UUID' }),
      expect.objectContaining({ path: ['input', 'clientId'], code: 'NOT_NULLABLE' }),
      expect.objectContaining({ path: ['input', 'expectedVersion'], code: 'OUT_OF_RANGE' }),
    ]);
  });

  it('a missing or null enabled is refused by the schema (Boolean!) before anything runs', async () => {
    const w = await nexusWorld();
    const before = await nexusSnapshot(w.tenantId, w.connectionId);
    const literal = await gql(
      `mutation { setConnectionClientEnabled(tenantId: "${w.tenantId}", connectionId: "${w.connectionId}", input: { clientId: "web" }) { __typename } }`,
      {},
      w.admin,
    );
    expect(literal.errors?.[0].extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(literal.errors?.[0].message).toContain('SetConnectionClientEnabledInput.enabled');
    for (const input of [{ clientId: 'web' }, { clientId: 'web', enabled: null }]) {
      const r = await gql(
        SET_CLIENT_ENABLED,
        { tenantId: w.tenantId, connectionId: w.connectionId, input },
        w.admin,
      );
      expect(r.errors, JSON.stringify(input)).toHaveLength(1);
      expect(r.data ?? null).toBeNull();
    }
    expect(await nexusSnapshot(w.tenantId, w.connectionId)).toEqual(before);
  });

  it('leaves the data exactly as it was', async () => {
    const w = await nexusWorld();
    const before = await nexusSnapshot(w.tenantId, w.connectionId);
    await set(
      {
        tenantId: w.tenantId,
        connectionId: w.connectionId,
        input: { clientId: null, enabled: false },
      },
      w.admin,
    );
    await set(
      {
        tenantId: w.tenantId,
        connectionId: w.connectionId,
        input: { clientId: 'web', enabled: false, expectedVersion: -1 },
      },
      w.admin,
    );
    expect(await nexusSnapshot(w.tenantId, w.connectionId)).toEqual(before);
  });
});

describe('setConnectionClientEnabled: access', () => {
  const disableWeb = (w: { tenantId: string; connectionId: string }) => ({
    tenantId: w.tenantId,
    connectionId: w.connectionId,
    input: { clientId: 'web', enabled: false },
  });

  it('no token, an unknown key: AuthenticationError', async () => {
    const w = await nexusWorld();
    for (const token of [undefined, 'cgw_unknown_key']) {
      const result = await set(disableWeb(w), token);
      expect(expectTypename(result, 'AuthenticationError').code).toBe('UNAUTHENTICATED');
    }
    expect((await nexusSnapshot(w.tenantId, w.connectionId)).row!.version).toBe(1);
  });

  it('a caller who is not a member of the tenant: AuthenticationError', async () => {
    const w = await nexusWorld();
    const other = await nexusWorld();
    expectTypename(await set(disableWeb(w), other.admin), 'AuthenticationError');
    expect(await enabledMap(w.tenantId, w.connectionId)).toEqual({
      mobile: true,
      web: true,
      batch: false,
    });
  });

  it('client.write on a client someone else owns: PermissionDeniedError naming both permissions', async () => {
    const w = await nexusWorld();
    const before = await nexusSnapshot(w.tenantId, w.connectionId);
    for (const [clientId, token] of [
      ['web', w.owner],
      ['batch', w.owner],
      ['mobile', w.clientWriter],
    ] as const) {
      const result = await set(
        { tenantId: w.tenantId, connectionId: w.connectionId, input: { clientId, enabled: false } },
        token,
      );
      expect(expectTypename(result, 'PermissionDeniedError')).toMatchObject({
        code: 'PERMISSION_DENIED',
        requiredPermissions: BOTH,
      });
    }
    expect(await nexusSnapshot(w.tenantId, w.connectionId)).toEqual(before);
  });

  it('connections:write alone, or connections:read alone: PermissionDeniedError naming both permissions', async () => {
    const w = await nexusWorld();
    const before = await nexusSnapshot(w.tenantId, w.connectionId);
    const writeOnly = await newApiKey(w.tenantId, ['connections:write']);
    for (const token of [w.connectionWriter, writeOnly, w.viewer]) {
      const result = await set(disableWeb(w), token);
      const error = expectTypename(result, 'PermissionDeniedError');
      expect(error).toMatchObject({ code: 'PERMISSION_DENIED', requiredPermissions: BOTH });
      expect(error.message).toContain('client.write');
    }
    expect(await nexusSnapshot(w.tenantId, w.connectionId)).toEqual(before);
  });

  it('client.write naming a client that does not exist: PermissionDeniedError (permission before existence)', async () => {
    const w = await nexusWorld();
    for (const clientId of ['no-such-client', 'Mobile']) {
      const result = await set(
        { tenantId: w.tenantId, connectionId: w.connectionId, input: { clientId, enabled: false } },
        w.owner,
      );
      expect(expectTypename(result, 'PermissionDeniedError').requiredPermissions).toEqual(BOTH);
    }
    // ...even on a connection that does not exist.
    const result = await set(
      {
        tenantId: w.tenantId,
        connectionId: randomUUID(),
        input: { clientId: 'web', enabled: false },
      },
      w.owner,
    );
    expectTypename(result, 'PermissionDeniedError');
  });

  it('client.write on its own client, on a missing connection: NotFoundError NexusConnection', async () => {
    const w = await nexusWorld();
    const connectionId = randomUUID();
    const result = await set(
      { tenantId: w.tenantId, connectionId, input: { clientId: 'mobile', enabled: false } },
      w.owner,
    );
    expect(expectTypename(result, 'NotFoundError')).toMatchObject({
      resourceType: 'NexusConnection',
      resourceId: connectionId,
    });
  });

  it('client.write enables its own client that is not on the connection: appended', async () => {
    const w = await nexusWorld();
    const result = await set(
      {
        tenantId: w.tenantId,
        connectionId: w.connectionId,
        input: { clientId: 'spare', enabled: true },
      },
      w.owner,
    );
    expect(expectTypename(result, 'SetConnectionClientEnabledSuccess')).toMatchObject({
      client: { id: 'spare', name: `Spare ${w.tenantId}` },
      enabled: true,
      connection: { version: 2 },
    });
    expect(await enabledMap(w.tenantId, w.connectionId)).toEqual({
      mobile: true,
      web: true,
      batch: false,
      spare: true,
    });
  });

  it('client.write on a client not on the connection that someone else owns: PermissionDeniedError', async () => {
    const w = await nexusWorld();
    const before = await nexusSnapshot(w.tenantId, w.connectionId);
    for (const enabled of [true, false]) {
      const result = await set(
        {
          tenantId: w.tenantId,
          connectionId: w.connectionId,
          input: { clientId: 'spare', enabled },
        },
        w.clientWriter,
      );
      expect(expectTypename(result, 'PermissionDeniedError').requiredPermissions).toEqual(BOTH);
    }
    expect(await nexusSnapshot(w.tenantId, w.connectionId)).toEqual(before);
  });

  it('owning a client with the same id in another tenant gives no right here', async () => {
    const w = await nexusWorld();
    const { database } = await getHarness();
    const otherTenant = await newTenant();
    const principalId = `p-${randomUUID()}`;
    await createNexusClient(database.db, {
      tenantId: otherTenant,
      id: 'web',
      name: 'Their web',
      ownerPrincipalId: principalId,
    });
    await createNexusClient(database.db, {
      tenantId: otherTenant,
      id: 'elsewhere',
      name: 'Elsewhere',
      ownerPrincipalId: principalId,
    });
    const key = `cgw_test_${randomBytes(16).toString('hex')}`;
    await createPrincipalWithKey(database.db, {
      principalId,
      key,
      memberships: [
        { tenantId: w.tenantId, permissions: ['connections:read', 'client.write'] },
        { tenantId: otherTenant, permissions: ['connections:read', 'client.write'] },
      ],
    });
    for (const clientId of ['web', 'elsewhere']) {
      const result = await set(
        { tenantId: w.tenantId, connectionId: w.connectionId, input: { clientId, enabled: false } },
        key,
      );
      expect(expectTypename(result, 'PermissionDeniedError').requiredPermissions).toEqual(BOTH);
    }
    expect(await enabledMap(w.tenantId, w.connectionId)).toEqual({
      mobile: true,
      web: true,
      batch: false,
    });
  });
});

describe('setConnectionClientEnabled: NotFoundError', () => {
  it('an unknown connection: NotFoundError NexusConnection with the id as given', async () => {
    const w = await nexusWorld();
    const connectionId = randomUUID().toUpperCase();
    const result = await set(
      { tenantId: w.tenantId, connectionId, input: { clientId: 'web', enabled: false } },
      w.admin,
    );
    expect(expectTypename(result, 'NotFoundError')).toMatchObject({
      code: 'NOT_FOUND',
      resourceType: 'NexusConnection',
      resourceId: connectionId,
    });
  });

  it("another tenant's connection is reported exactly like a missing one, and is not changed", async () => {
    const w = await nexusWorld();
    const other = await nexusWorld();
    const foreign = await set(
      {
        tenantId: w.tenantId,
        connectionId: other.connectionId,
        input: { clientId: 'web', enabled: false },
      },
      w.admin,
    );
    const missing = await set(
      {
        tenantId: w.tenantId,
        connectionId: randomUUID(),
        input: { clientId: 'web', enabled: false },
      },
      w.admin,
    );
    expect(expectTypename(foreign, 'NotFoundError')).toMatchObject({
      resourceType: 'NexusConnection',
      resourceId: other.connectionId,
    });
    expect({ ...foreign, resourceId: 'x' }).toEqual({ ...missing, resourceId: 'x' });
    expect(await enabledMap(other.tenantId, other.connectionId)).toEqual({
      mobile: true,
      web: true,
      batch: false,
    });
  });

  it('a client the tenant does not have (an unknown id, a case variant): NotFoundError Client', async () => {
    const w = await nexusWorld();
    const before = await nexusSnapshot(w.tenantId, w.connectionId);
    for (const clientId of ['no-such-client', 'WEB', 'Spare']) {
      for (const enabled of [true, false]) {
        const result = await set(
          { tenantId: w.tenantId, connectionId: w.connectionId, input: { clientId, enabled } },
          w.admin,
        );
        expect(expectTypename(result, 'NotFoundError')).toMatchObject({
          code: 'NOT_FOUND',
          resourceType: 'Client',
          resourceId: clientId,
        });
      }
    }
    expect(await nexusSnapshot(w.tenantId, w.connectionId)).toEqual(before);
  });

  it('a client of another tenant is reported exactly like a random id', async () => {
    const w = await nexusWorld();
    const { database } = await getHarness();
    const other = await newTenant();
    await createNexusClient(database.db, { tenantId: other, id: 'theirs', name: 'Theirs' });
    await createNexusConnection(database.db, {
      tenantId: other,
      name: 'X',
      clients: [{ clientId: 'theirs', enabled: false }],
    });
    const foreign = await set(
      {
        tenantId: w.tenantId,
        connectionId: w.connectionId,
        input: { clientId: 'theirs', enabled: true },
      },
      w.admin,
    );
    const random = await set(
      {
        tenantId: w.tenantId,
        connectionId: w.connectionId,
        input: { clientId: 'random-9f3', enabled: true },
      },
      w.admin,
    );
    expect(expectTypename(foreign, 'NotFoundError')).toMatchObject({
      resourceType: 'Client',
      resourceId: 'theirs',
    });
    expect({ ...foreign, resourceId: 'x' }).toEqual({ ...random, resourceId: 'x' });
  });

  it('two tenants with the same client ids: a change in one leaves the other alone', async () => {
    const a = await nexusWorld();
    const b = await nexusWorld();
    const result = await set(
      {
        tenantId: a.tenantId,
        connectionId: a.connectionId,
        input: { clientId: 'batch', enabled: true },
      },
      a.admin,
    );
    expect(expectTypename(result, 'SetConnectionClientEnabledSuccess').client).toEqual({
      id: 'batch',
      name: `Batch ${a.tenantId}`,
    });
    expect(await enabledMap(b.tenantId, b.connectionId)).toEqual({
      mobile: true,
      web: true,
      batch: false,
    });
  });
});

describe('setConnectionClientEnabled: versions', () => {
  it('a stale expectedVersion: ConflictError VERSION_MISMATCH with the current version, nothing written', async () => {
    const w = await nexusWorld();
    await set(
      {
        tenantId: w.tenantId,
        connectionId: w.connectionId,
        input: { clientId: 'web', enabled: false },
      },
      w.admin,
    );
    const before = await nexusSnapshot(w.tenantId, w.connectionId);
    const result = await set(
      {
        tenantId: w.tenantId,
        connectionId: w.connectionId,
        input: { clientId: 'mobile', enabled: false, expectedVersion: 1 },
      },
      w.admin,
    );
    expect(expectTypename(result, 'ConflictError')).toMatchObject({
      code: 'CONFLICT',
      reason: 'VERSION_MISMATCH',
      currentVersion: 2,
      activeJobIds: [],
    });
    expect(await nexusSnapshot(w.tenantId, w.connectionId)).toEqual(before);
  });

  it('a stale expectedVersion is a conflict even when the value would not change', async () => {
    const w = await nexusWorld();
    const result = await set(
      {
        tenantId: w.tenantId,
        connectionId: w.connectionId,
        input: { clientId: 'web', enabled: true, expectedVersion: 5 },
      },
      w.admin,
    );
    expect(expectTypename(result, 'ConflictError')).toMatchObject({
      reason: 'VERSION_MISMATCH',
      currentVersion: 1,
    });
  });
});

describe('setConnectionClientEnabled: the order of checks', () => {
  it('credentials before input', async () => {
    const result = await set({
      tenantId: '!!',
      connectionId: 'x',
      input: { clientId: null, enabled: true },
    });
    expectTypename(result, 'AuthenticationError');
  });

  it('input before membership', async () => {
    const w = await nexusWorld();
    const other = await nexusWorld();
    const result = await set(
      {
        tenantId: w.tenantId,
        connectionId: w.connectionId,
        input: { clientId: null, enabled: true },
      },
      other.admin,
    );
    expectTypename(result, 'InvalidInputError');
  });

  it('membership before permission', async () => {
    const w = await nexusWorld();
    const other = await nexusWorld();
    const result = await set(
      {
        tenantId: w.tenantId,
        connectionId: w.connectionId,
        input: { clientId: 'web', enabled: false },
      },
      other.viewer,
    );
    expectTypename(result, 'AuthenticationError');
  });

  it('permission before existence', async () => {
    const w = await nexusWorld();
    const result = await set(
      {
        tenantId: w.tenantId,
        connectionId: randomUUID(),
        input: { clientId: 'nope', enabled: false },
      },
      w.viewer,
    );
    expectTypename(result, 'PermissionDeniedError');
  });

  it("the connection's existence before the client's", async () => {
    const w = await nexusWorld();
    const result = await set(
      {
        tenantId: w.tenantId,
        connectionId: randomUUID(),
        input: { clientId: 'nope', enabled: false },
      },
      w.admin,
    );
    expect(expectTypename(result, 'NotFoundError').resourceType).toBe('NexusConnection');
  });

  it('existence before version', async () => {
    const w = await nexusWorld();
    const result = await set(
      {
        tenantId: w.tenantId,
        connectionId: randomUUID(),
        input: { clientId: 'web', enabled: false, expectedVersion: 9 },
      },
      w.admin,
    );
    expectTypename(result, 'NotFoundError');
  });

  it("the connection's version before the client's existence", async () => {
    const w = await nexusWorld();
    const result = await set(
      {
        tenantId: w.tenantId,
        connectionId: w.connectionId,
        input: { clientId: 'nope', enabled: false, expectedVersion: 9 },
      },
      w.admin,
    );
    expect(expectTypename(result, 'ConflictError').reason).toBe('VERSION_MISMATCH');
  });

  it('a tenant that does not exist is answered like one the caller is not a member of', async () => {
    const w = await nexusWorld();
    const result = await set(
      {
        tenantId: 'no-such-tenant',
        connectionId: randomUUID(),
        input: { clientId: 'web', enabled: false },
      },
      w.admin,
    );
    expectTypename(result, 'AuthenticationError');
  });
});

describe('setConnectionClientEnabled: concurrency (server only)', () => {
  it.skipIf(!process.env.TEST_DATABASE_URL)(
    'waits for a transaction holding the connection, then sees its change',
    async () => {
      const w = await nexusWorld();
      const { database } = await getHarness();
      let release!: () => void;
      const released = new Promise<void>((resolve) => (release = resolve));
      let locked!: () => void;
      const isLocked = new Promise<void>((resolve) => (locked = resolve));
      const holder = database.db.transaction().execute(async (trx) => {
        await trx
          .selectFrom('nexus_connections')
          .select('id')
          .where('id', '=', w.connectionId)
          .forUpdate()
          .execute();
        locked();
        await released;
        await trx
          .updateTable('nexus_connection_clients')
          .set({ enabled: false })
          .where('connection_id', '=', w.connectionId)
          .where('client_id', '=', 'web')
          .execute();
        await trx
          .updateTable('nexus_connections')
          .set({ version: 2 })
          .where('id', '=', w.connectionId)
          .execute();
      });
      await isLocked;
      let settled = false;
      const pending = set(
        {
          tenantId: w.tenantId,
          connectionId: w.connectionId,
          input: { clientId: 'web', enabled: false },
        },
        w.admin,
      ).then((r) => {
        settled = true;
        return r;
      });
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(settled).toBe(false);
      release();
      await holder;
      // The other transaction already disabled `web`: this call is now a no-op on version 2.
      const result = await pending;
      expect(expectTypename(result, 'SetConnectionClientEnabledSuccess')).toMatchObject({
        enabled: false,
        connection: { version: 2 },
      });
      expect((await nexusSnapshot(w.tenantId, w.connectionId)).events).toHaveLength(0);
    },
  );

  it.skipIf(!process.env.TEST_DATABASE_URL)(
    'concurrent changes of different clients are serialised: versions 2, 3, 4, one audit event each',
    async () => {
      const w = await nexusWorld();
      const results = await Promise.all(
        (['mobile', 'web', 'batch'] as const).map((clientId) =>
          set(
            {
              tenantId: w.tenantId,
              connectionId: w.connectionId,
              input: { clientId, enabled: clientId === 'batch' },
            },
            w.admin,
          ),
        ),
      );
      expect(
        results
          .map((r) => expectTypename(r, 'SetConnectionClientEnabledSuccess').connection.version)
          .sort(),
      ).toEqual([2, 3, 4]);
      const { row, events } = await nexusSnapshot(w.tenantId, w.connectionId);
      expect(row!.version).toBe(4);
      expect(events.map((e) => [e.from_version, e.to_version])).toEqual([
        [1, 2],
        [2, 3],
        [3, 4],
      ]);
      expect(await enabledMap(w.tenantId, w.connectionId)).toEqual({
        mobile: false,
        web: false,
        batch: true,
      });
    },
  );
});

describe.skipIf(!onServer)('setConnectionClientEnabled: appending under concurrency', () => {
  it('concurrent enables of one new client: one entry, one version, one audit event', async () => {
    const w = await nexusWorld();
    const results = await Promise.all(
      Array.from({ length: 8 }, () =>
        set(
          {
            tenantId: w.tenantId,
            connectionId: w.connectionId,
            input: { clientId: 'spare', enabled: true },
          },
          w.admin,
        ),
      ),
    );
    for (const r of results) {
      expect(expectTypename(r, 'SetConnectionClientEnabledSuccess').connection.version).toBe(2);
    }
    const { row, clients, events } = await nexusSnapshot(w.tenantId, w.connectionId);
    expect(row!.version).toBe(2);
    expect(clients.map((c) => [c.client_id, c.position, c.enabled])).toEqual([
      ['mobile', 0, true],
      ['web', 1, true],
      ['batch', 2, false],
      ['spare', 3, true],
    ]);
    expect(events).toHaveLength(1);
  });

  it('concurrent enables of different new clients: every one appended once, positions distinct', async () => {
    const w = await nexusWorld();
    const { database } = await getHarness();
    const extra = ['extra-1', 'extra-2', 'extra-3', 'extra-4', 'spare'];
    for (const id of extra.slice(0, -1)) {
      await createNexusClient(database.db, { tenantId: w.tenantId, id, name: id });
    }
    const results = await Promise.all(
      extra.map((clientId) =>
        set(
          {
            tenantId: w.tenantId,
            connectionId: w.connectionId,
            input: { clientId, enabled: true },
          },
          w.admin,
        ),
      ),
    );
    expect(
      results
        .map((r) => expectTypename(r, 'SetConnectionClientEnabledSuccess').connection.version)
        .sort(),
    ).toEqual([2, 3, 4, 5, 6]);
    const { clients, events } = await nexusSnapshot(w.tenantId, w.connectionId);
    expect(clients.map((c) => c.position)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(clients.slice(0, 3).map((c) => c.client_id)).toEqual(['mobile', 'web', 'batch']);
    expect(
      clients
        .slice(3)
        .map((c) => c.client_id)
        .sort(),
    ).toEqual([...extra].sort());
    expect(clients.every((c) => c.enabled || c.client_id === 'batch')).toBe(true);
    expect(events).toHaveLength(5);
  });
});

describe.skipIf(!onServer)('setConnectionClientEnabled: ownership under concurrency', () => {
  it('a client taken from its owner while the toggle runs is not toggled by the former owner', async () => {
    const { database } = await getHarness();
    const w = await nexusWorld();
    const before = await nexusSnapshot(w.tenantId, w.connectionId);
    // Another transaction hands `mobile` to someone else and keeps its row lock until told.
    let commit!: () => void;
    const committing = new Promise<void>((resolve) => (commit = resolve));
    let changed!: () => void;
    const isChanged = new Promise<void>((resolve) => (changed = resolve));
    const handover = database.db.transaction().execute(async (trx) => {
      await trx
        .updateTable('nexus_clients')
        .set({ owner_principal_id: w.otherOwnerId })
        .where('tenant_id', '=', w.tenantId)
        .where('id', '=', 'mobile')
        .execute();
      changed();
      await committing;
    });
    await isChanged;
    // The permission check sees the committed owner (the caller) and passes; the toggle must
    // then wait for the handover and see it.
    const toggling = set(
      {
        tenantId: w.tenantId,
        connectionId: w.connectionId,
        input: { clientId: 'mobile', enabled: false },
      },
      w.owner,
    );
    await new Promise((resolve) => setTimeout(resolve, 300));
    commit();
    await handover;
    expectTypename(await toggling, 'PermissionDeniedError');
    expect(await nexusSnapshot(w.tenantId, w.connectionId)).toEqual(before);
  });
});
