import { describe, expect, it } from 'vitest';
import { expectTypename } from '../helpers/harness.js';
import { MUTATION_CASES, runCase } from '../helpers/mutations.js';
import { tenantSnapshot } from '../helpers/tenant-snapshot.js';

describe.each(MUTATION_CASES)('$field with validateOnly', (c) => {
  it('answers with the would-be connection and changedFields, and keeps nothing', async () => {
    const w = await c.world();
    const before = await tenantSnapshot(w.tenantId);

    const dry = expectTypename(
      await runCase(c, w.change, w.token, { validateOnly: true }),
      c.success,
    );
    expect(dry.validateOnly).toBe(true);
    expect(dry.changedFields).toEqual(w.changedFields);
    w.expectChanged(dry.connection, 2);

    // Read back: every row of the tenant (connection, nested rows, audit events) is as before.
    expect(await tenantSnapshot(w.tenantId)).toEqual(before);

    // The real call then does what the dry run said, from the same version.
    const real = expectTypename(await runCase(c, w.change, w.token), c.success);
    expect(real.validateOnly).toBe(false);
    expect(real.changedFields).toEqual(dry.changedFields);
    w.expectChanged(real.connection, 2);
    // Equal but for the moment of the change, and the new credential id an API key gets at
    // every replace (the dry run's is a stand-in).
    const comparable = (connection: unknown) =>
      JSON.parse(JSON.stringify(connection), (key, value) =>
        key === 'updatedAt' || key === 'credentialId' ? undefined : value,
      );
    expect(comparable(dry.connection)).toEqual(comparable(real.connection));
  });

  it('of a change that changes nothing: no version, empty changedFields', async () => {
    const w = await c.world();
    expectTypename(await runCase(c, w.change, w.token), c.success);
    const before = await tenantSnapshot(w.tenantId);
    const dry = expectTypename(
      await runCase(c, w.change, w.token, { validateOnly: true }),
      c.success,
    );
    expect(dry.changedFields).toEqual([]);
    expect(dry.connection.version).toBe(2);
    expect(await tenantSnapshot(w.tenantId)).toEqual(before);
  });

  it('fails with exactly the member and details of the real call', async () => {
    const w = await c.world();
    const failures = await w.failures;
    for (const f of failures) {
      const token = f.token === undefined ? w.token : f.token;
      const before = await tenantSnapshot(w.tenantId);
      const dry = await runCase(c, f.args, token, { validateOnly: true });
      const real = await runCase(c, f.args, token);
      expect(dry.__typename, f.label).not.toBe(c.success);
      expect(dry, f.label).toEqual(real);
      expect(await tenantSnapshot(w.tenantId), f.label).toEqual(before);
    }
    // Every error type of the union is reached by some failure of this mutation.
    const seen = new Set<string>();
    for (const f of failures) {
      const token = f.token === undefined ? w.token : f.token;
      seen.add((await runCase(c, f.args, token, { validateOnly: true })).__typename);
    }
    expect([...seen].sort()).toEqual([
      'AuthenticationError',
      'ConflictError',
      'InvalidInputError',
      'NotFoundError',
      'PermissionDeniedError',
    ]);
  });
});
