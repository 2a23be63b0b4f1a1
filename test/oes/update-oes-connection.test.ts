import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { expectTypename, gql, newApiKey, newTenant } from '../helpers/harness.js';
import { oesSnapshot, oesWorld, UPDATE_OES } from '../helpers/oes.js';

const update = (vars: Record<string, unknown>, token?: string) =>
  gql(UPDATE_OES, vars, token).then((r) => {
    expect(r.errors).toBeUndefined();
    return r.data!.updateOesConnection;
  });

describe('updateOesConnection: success', () => {
  it('renames, bumps the version and writes one audit event', async () => {
    const w = await oesWorld();
    const result = await update(
      { enterpriseId: w.tenantId, connectionId: w.connectionId, input: { name: 'Main venue' } },
      w.admin,
    );
    const { connection } = expectTypename(result, 'UpdateOesConnectionSuccess');
    expect(connection).toMatchObject({
      id: w.connectionId,
      enterpriseId: w.tenantId,
      name: 'Main venue',
      active: true,
      version: 2,
    });
    expect(connection.partner).toEqual({ id: w.partnerId, name: 'Venue' });

    const { row, events } = await oesSnapshot(w.tenantId, w.connectionId);
    expect(row).toMatchObject({ name: 'Main venue', version: 2 });
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      tenant_id: w.tenantId,
      resource_type: 'OesConnection',
      resource_id: w.connectionId,
      operation: 'updateOesConnection',
      changed_fields: ['name'],
      from_version: 1,
      to_version: 2,
      actor_kind: 'api_key',
    });
    expect(events[0].request_id).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('deactivates and reactivates; each change is one version', async () => {
    const w = await oesWorld();
    const off = await update(
      { enterpriseId: w.tenantId, connectionId: w.connectionId, input: { active: false } },
      w.admin,
    );
    expect(expectTypename(off, 'UpdateOesConnectionSuccess').connection).toMatchObject({
      active: false,
      version: 2,
    });
    const on = await update(
      {
        enterpriseId: w.tenantId,
        connectionId: w.connectionId,
        input: { active: true, name: 'Back', expectedVersion: 2 },
      },
      w.admin,
    );
    expect(expectTypename(on, 'UpdateOesConnectionSuccess').connection).toMatchObject({
      active: true,
      name: 'Back',
      version: 3,
    });
    const { events } = await oesSnapshot(w.tenantId, w.connectionId);
    expect(events.map((e) => e.changed_fields)).toEqual([['active'], ['name', 'active']]);
  });

  it('trims the name', async () => {
    const w = await oesWorld();
    const result = await update(
      { enterpriseId: w.tenantId, connectionId: w.connectionId, input: { name: '  Spaced  ' } },
      w.admin,
    );
    expect(expectTypename(result, 'UpdateOesConnectionSuccess').connection.name).toBe('Spaced');
  });

  it('a change that changes nothing succeeds without a new version or audit event', async () => {
    const w = await oesWorld();
    const before = await oesSnapshot(w.tenantId, w.connectionId);
    const result = await update(
      {
        enterpriseId: w.tenantId,
        connectionId: w.connectionId,
        input: { name: 'Connection 0', active: true, expectedVersion: 1 },
      },
      w.admin,
    );
    expect(expectTypename(result, 'UpdateOesConnectionSuccess').connection.version).toBe(1);
    expect(await oesSnapshot(w.tenantId, w.connectionId)).toEqual(before);
  });

  it('accepts ids in upper case', async () => {
    const w = await oesWorld();
    const result = await update(
      {
        enterpriseId: w.tenantId,
        connectionId: w.connectionId.toUpperCase(),
        input: { active: false },
      },
      w.admin,
    );
    expect(expectTypename(result, 'UpdateOesConnectionSuccess').connection.id).toBe(w.connectionId);
  });
});

describe('updateOesConnection: InvalidInputError', () => {
  it('reports every field error of the request together, with paths', async () => {
    const w = await oesWorld();
    const result = await update(
      {
        enterpriseId: 'Not A Tenant!',
        connectionId: 'not-a-uuid',
        input: { name: '   ', expectedVersion: 0 },
      },
      w.admin,
    );
    const error = expectTypename(result, 'InvalidInputError');
    expect(error.code).toBe('INVALID_INPUT');
    expect(error.fieldErrors).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ path: ['enterpriseId'], code: 'INVALID_ID' }),
        expect.objectContaining({ path: ['connectionId'], code: 'INVALID_UUID' }),
        expect.objectContaining({ path: ['input', 'name'], code: 'BLANK' }),
        expect.objectContaining({ path: ['input', 'expectedVersion'], code: 'OUT_OF_RANGE' }),
      ]),
    );
    expect(error.fieldErrors).toHaveLength(4);
  });

  it('refuses an explicit null on name and active', async () => {
    const w = await oesWorld();
    const result = await update(
      {
        enterpriseId: w.tenantId,
        connectionId: w.connectionId,
        input: { name: null, active: null },
      },
      w.admin,
    );
    expect(expectTypename(result, 'InvalidInputError').fieldErrors).toEqual([
      { path: ['input', 'name'], code: 'NOT_NULLABLE', message: 'cannot be null' },
      { path: ['input', 'active'], code: 'NOT_NULLABLE', message: 'cannot be null' },
    ]);
  });

  it('refuses an input with nothing to update', async () => {
    const w = await oesWorld();
    for (const input of [{}, { expectedVersion: 1 }]) {
      const result = await update(
        { enterpriseId: w.tenantId, connectionId: w.connectionId, input },
        w.admin,
      );
      expect(expectTypename(result, 'InvalidInputError').fieldErrors).toEqual([
        expect.objectContaining({ path: ['input'], code: 'NOTHING_TO_UPDATE' }),
      ]);
    }
  });

  it('bounds the name: 200 characters pass, 201 and control characters do not', async () => {
    const w = await oesWorld();
    const ok = await update(
      { enterpriseId: w.tenantId, connectionId: w.connectionId, input: { name: 'x'.repeat(200) } },
      w.admin,
    );
    expectTypename(ok, 'UpdateOesConnectionSuccess');
    const long = await update(
      { enterpriseId: w.tenantId, connectionId: w.connectionId, input: { name: 'x'.repeat(201) } },
      w.admin,
    );
    expect(expectTypename(long, 'InvalidInputError').fieldErrors[0]).toMatchObject({
      code: 'TOO_LONG',
    });
    const control = await update(
      { enterpriseId: w.tenantId, connectionId: w.connectionId, input: { name: 'a\u0000b' } },
      w.admin,
    );
    expect(expectTypename(control, 'InvalidInputError').fieldErrors[0]).toMatchObject({
      code: 'INVALID_CHARACTERS',
    });
  });

  it('leaves the data exactly as it was', async () => {
    const w = await oesWorld();
    const before = await oesSnapshot(w.tenantId, w.connectionId);
    await update(
      {
        enterpriseId: w.tenantId,
        connectionId: w.connectionId,
        input: { name: '', active: false },
      },
      w.admin,
    );
    expect(await oesSnapshot(w.tenantId, w.connectionId)).toEqual(before);
  });
});

describe('updateOesConnection: access', () => {
  it('no token, an unknown key: AuthenticationError', async () => {
    const w = await oesWorld();
    for (const token of [undefined, 'cgw_unknown_key']) {
      const result = await update(
        { enterpriseId: w.tenantId, connectionId: w.connectionId, input: { active: false } },
        token,
      );
      expect(expectTypename(result, 'AuthenticationError').code).toBe('UNAUTHENTICATED');
    }
    expect((await oesSnapshot(w.tenantId, w.connectionId)).row!.version).toBe(1);
  });

  it('a caller who is not a member of the enterprise: AuthenticationError', async () => {
    const w = await oesWorld();
    const other = await oesWorld();
    const result = await update(
      { enterpriseId: w.tenantId, connectionId: w.connectionId, input: { active: false } },
      other.admin,
    );
    expectTypename(result, 'AuthenticationError');
  });

  it('a member without connections:write: PermissionDeniedError PERMISSION_DENIED', async () => {
    const w = await oesWorld();
    const result = await update(
      { enterpriseId: w.tenantId, connectionId: w.connectionId, input: { active: false } },
      w.viewer,
    );
    const error = expectTypename(result, 'PermissionDeniedError');
    expect(error).toMatchObject({
      code: 'PERMISSION_DENIED',
      requiredPermissions: ['connections:write'],
      requiredLicence: null,
    });
  });

  it('an enterprise without the OES licence: PermissionDeniedError LICENSE_REQUIRED', async () => {
    const w = await oesWorld({ licensed: false });
    const result = await update(
      { enterpriseId: w.tenantId, connectionId: w.connectionId, input: { active: false } },
      w.admin,
    );
    expect(expectTypename(result, 'PermissionDeniedError')).toMatchObject({
      code: 'LICENSE_REQUIRED',
      requiredLicence: 'oes',
      requiredPermissions: [],
    });
    expect((await oesSnapshot(w.tenantId, w.connectionId)).row!.active).toBe(true);
  });

  it("another tenant's connection is reported exactly like a missing one", async () => {
    const w = await oesWorld();
    const other = await oesWorld();
    const foreign = await update(
      { enterpriseId: w.tenantId, connectionId: other.connectionId, input: { active: false } },
      w.admin,
    );
    const randomId = randomUUID();
    const missing = await update(
      { enterpriseId: w.tenantId, connectionId: randomId, input: { active: false } },
      w.admin,
    );
    expect(expectTypename(foreign, 'NotFoundError')).toMatchObject({
      resourceType: 'OesConnection',
      resourceId: other.connectionId,
    });
    expect({ ...foreign, resourceId: 'x' }).toEqual({ ...missing, resourceId: 'x' });
    expect((await oesSnapshot(other.tenantId, other.connectionId)).row!.active).toBe(true);
  });
});

describe('updateOesConnection: versions', () => {
  it('a stale expectedVersion: ConflictError VERSION_MISMATCH with the current version, nothing written', async () => {
    const w = await oesWorld();
    await update(
      { enterpriseId: w.tenantId, connectionId: w.connectionId, input: { name: 'v2' } },
      w.admin,
    );
    const before = await oesSnapshot(w.tenantId, w.connectionId);
    const result = await update(
      {
        enterpriseId: w.tenantId,
        connectionId: w.connectionId,
        input: { name: 'v3', expectedVersion: 1 },
      },
      w.admin,
    );
    expect(expectTypename(result, 'ConflictError')).toMatchObject({
      code: 'CONFLICT',
      reason: 'VERSION_MISMATCH',
      currentVersion: 2,
      activeJobIds: [],
    });
    expect(await oesSnapshot(w.tenantId, w.connectionId)).toEqual(before);
  });
});

describe('updateOesConnection: the order of checks', () => {
  const bad = { name: '' };
  const good = { active: false };

  it('credentials before input', async () => {
    const result = await update({ enterpriseId: '!!', connectionId: 'x', input: bad });
    expectTypename(result, 'AuthenticationError');
  });

  it('input before membership', async () => {
    const w = await oesWorld();
    const other = await oesWorld();
    const result = await update(
      { enterpriseId: w.tenantId, connectionId: w.connectionId, input: bad },
      other.admin,
    );
    expectTypename(result, 'InvalidInputError');
  });

  it('membership before permission', async () => {
    const w = await oesWorld();
    const other = await oesWorld();
    const result = await update(
      { enterpriseId: w.tenantId, connectionId: w.connectionId, input: good },
      other.viewer,
    );
    expectTypename(result, 'AuthenticationError');
  });

  it('permission before licence', async () => {
    const w = await oesWorld({ licensed: false });
    const result = await update(
      { enterpriseId: w.tenantId, connectionId: w.connectionId, input: good },
      w.viewer,
    );
    expect(expectTypename(result, 'PermissionDeniedError').code).toBe('PERMISSION_DENIED');
  });

  it('licence before existence', async () => {
    const w = await oesWorld({ licensed: false });
    const result = await update(
      { enterpriseId: w.tenantId, connectionId: randomUUID(), input: good },
      w.admin,
    );
    expect(expectTypename(result, 'PermissionDeniedError').code).toBe('LICENSE_REQUIRED');
  });

  it('existence before version', async () => {
    const w = await oesWorld();
    const result = await update(
      {
        enterpriseId: w.tenantId,
        connectionId: randomUUID(),
        input: { ...good, expectedVersion: 9 },
      },
      w.admin,
    );
    expectTypename(result, 'NotFoundError');
  });

  it('a tenant that does not exist is answered like one the caller is not a member of', async () => {
    const tenantId = await newTenant(['oes']);
    const key = await newApiKey(tenantId, ['connections:write']);
    const result = await update(
      { enterpriseId: 'no-such-tenant', connectionId: randomUUID(), input: good },
      key,
    );
    expectTypename(result, 'AuthenticationError');
  });
});
