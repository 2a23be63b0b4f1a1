import { randomUUID } from 'node:crypto';
import type { Permission } from '../../src/auth/principal.js';
import { createPrincipalWithKey } from '../../src/demo/builders.js';
import { describe, expect, it } from 'vitest';
import { deleteExpiredKeys } from '../../src/services/idempotency.js';
import { expectTypename, getHarness, gql } from '../helpers/harness.js';
import { oesWorld } from '../helpers/oes.js';
import { MUTATION_CASES, anotherPrincipal, runCase } from '../helpers/mutations.js';
import { isolatedGateway, onServer } from '../helpers/server.js';
import { tenantSnapshot } from '../helpers/tenant-snapshot.js';

const newKey = () => `save:${randomUUID()}`;

async function keyRows(key: string) {
  const { database } = await getHarness();
  return database.db.selectFrom('idempotency_keys').selectAll().where('key', '=', key).execute();
}

async function auditEvents(connectionId: string) {
  const { database } = await getHarness();
  return database.db
    .selectFrom('audit_events')
    .selectAll()
    .where('resource_id', '=', connectionId)
    .execute();
}

/** Makes a key's record expire now (as 24 hours would). */
async function expire(key: string) {
  const { database } = await getHarness();
  await database.db
    .updateTable('idempotency_keys')
    .set({ expires_at: new Date(Date.now() - 1000) })
    .where('key', '=', key)
    .execute();
}

describe.each(MUTATION_CASES)('$field with idempotencyKey', (c) => {
  it('a retry with the same arguments returns the first result and writes nothing', async () => {
    const w = await c.world();
    const key = newKey();
    const first = expectTypename(
      await runCase(c, w.change, w.token, { idempotencyKey: key }),
      c.success,
    );
    expect(first.changedFields).toEqual(w.changedFields);
    w.expectChanged(first.connection, 2);
    const after = await tenantSnapshot(w.tenantId);
    expect(await keyRows(key)).toHaveLength(1);

    const retry = await runCase(c, w.change, w.token, { idempotencyKey: key });
    expect(retry).toEqual(first);
    expect(await tenantSnapshot(w.tenantId)).toEqual(after);
    expect(await auditEvents(w.connectionId)).toHaveLength(1);
  });

  it("a retry after someone else's change still shows the first call's connection", async () => {
    const w = await c.world();
    const key = newKey();
    const first = expectTypename(
      await runCase(c, w.change, w.token, { idempotencyKey: key }),
      c.success,
    );
    const other = await anotherPrincipal(w.tenantId);
    const later = expectTypename(await runCase(c, w.otherChange, other), c.success);
    expect(later.connection.version).toBe(3);

    const retry = expectTypename(
      await runCase(c, w.change, w.token, { idempotencyKey: key }),
      c.success,
    );
    expect(retry.connection.version).toBe(2);
    expect(retry.changedFields).toEqual(first.changedFields);
    const { name, updatedAt } = first.connection;
    expect(retry.connection).toMatchObject({ name, updatedAt, version: 2 });
    // Its own nested lists too (Nexus's clients: the later call disabled `web`).
    w.expectChanged(retry.connection, 2);
    expect(await auditEvents(w.connectionId)).toHaveLength(2);
  });

  it('the same key with other arguments is IDEMPOTENCY_KEY_REUSED and changes nothing', async () => {
    const w = await c.world();
    const key = newKey();
    expectTypename(await runCase(c, w.change, w.token, { idempotencyKey: key }), c.success);
    const before = await tenantSnapshot(w.tenantId);
    const reused = expectTypename(
      await runCase(c, w.otherChange, w.token, { idempotencyKey: key }),
      'ConflictError',
    );
    expect(reused.reason).toBe('IDEMPOTENCY_KEY_REUSED');
    expect(await tenantSnapshot(w.tenantId)).toEqual(before);
  });

  it('an expired key runs again, and the cleanup deletes it', async () => {
    const w = await c.world();
    const key = newKey();
    expectTypename(await runCase(c, w.change, w.token, { idempotencyKey: key }), c.success);
    await expire(key);
    // Runs again: the change is already made, so this run changes nothing.
    const again = expectTypename(
      await runCase(c, w.change, w.token, { idempotencyKey: key }),
      c.success,
    );
    expect(again.changedFields).toEqual([]);
    expect(await keyRows(key)).toHaveLength(1);
    await expire(key);
    const { database } = await getHarness();
    expect(await deleteExpiredKeys(database.db)).toBeGreaterThanOrEqual(1);
    expect(await keyRows(key)).toHaveLength(0);
  });

  it('typed errors are recorded; authentication errors and dry runs are not', async () => {
    const w = await c.world();
    const failures = await w.failures;
    const invalid = failures.find((f) => f.label === 'InvalidInput')!;
    const key = newKey();
    const first = expectTypename(
      await runCase(c, invalid.args, w.token, { idempotencyKey: key }),
      'InvalidInputError',
    );
    expect(await runCase(c, invalid.args, w.token, { idempotencyKey: key })).toEqual(first);
    // The key now belongs to those arguments: the valid change is a reuse.
    const reused = expectTypename(
      await runCase(c, w.change, w.token, { idempotencyKey: key }),
      'ConflictError',
    );
    expect(reused.reason).toBe('IDEMPOTENCY_KEY_REUSED');

    const anonymous = newKey();
    expectTypename(
      await runCase(c, w.change, '', { idempotencyKey: anonymous }),
      'AuthenticationError',
    );
    // Not a member of the named tenant (patchDatabaseConnection names none).
    const stranger = await anotherPrincipal((await c.world()).tenantId);
    const notMember = newKey();
    if (c.field !== 'patchDatabaseConnection') {
      expectTypename(
        await runCase(c, w.change, stranger, { idempotencyKey: notMember }),
        'AuthenticationError',
      );
    }
    expect(await keyRows(notMember)).toHaveLength(0);
    const dry = newKey();
    const dryRun = expectTypename(
      await runCase(c, w.change, w.token, { idempotencyKey: dry, validateOnly: true }),
      c.success,
    );
    expect(dryRun.validateOnly).toBe(true);
    expect(await keyRows(anonymous)).toHaveLength(0);
    expect(await keyRows(dry)).toHaveLength(0);
    // A key that was only used in a dry run still runs for real.
    const real = expectTypename(
      await runCase(c, w.change, w.token, { idempotencyKey: dry }),
      c.success,
    );
    expect(real.connection.version).toBe(2);
  });

  it('a malformed key is an InvalidInputError at ["idempotencyKey"]', async () => {
    const w = await c.world();
    for (const key of ['', 'x'.repeat(256), 'has space', 'ümlaut', 'a/b']) {
      const result = expectTypename(
        await runCase(c, w.change, w.token, { idempotencyKey: key }),
        'InvalidInputError',
      );
      expect(result.fieldErrors.map((e: any) => e.path)).toEqual([['idempotencyKey']]);
    }
    expectTypename(
      await runCase(c, w.change, w.token, { idempotencyKey: `A-z.0_9:${'k'.repeat(240)}` }),
      c.success,
    );
  });
});

describe('idempotency keys: scope and canonical arguments', () => {
  const [oes, , , db] = MUTATION_CASES;

  it('a key belongs to one principal: another caller with the same key runs on its own', async () => {
    const w = await oes.world();
    const key = newKey();
    expectTypename(await runCase(oes, w.change, w.token, { idempotencyKey: key }), oes.success);
    const other = await anotherPrincipal(w.tenantId);
    const theirs = expectTypename(
      await runCase(oes, w.otherChange, other, { idempotencyKey: key }),
      oes.success,
    );
    expect(theirs.connection.version).toBe(3);
  });

  it('a key belongs to one operation: the same key on another mutation is a reuse', async () => {
    const w = await oes.world();
    const d = await db.world();
    const { database } = await getHarness();
    // One caller that may write in both tenants.
    const token = `cgw_test_${randomUUID().replace(/-/g, '')}`;
    const permissions: Permission[] = ['connections:read', 'connections:write'];
    await createPrincipalWithKey(database.db, {
      principalId: `p-${randomUUID()}`,
      key: token,
      memberships: [
        { tenantId: w.tenantId, permissions },
        { tenantId: d.tenantId, permissions },
      ],
    });
    const key = newKey();
    expectTypename(await runCase(oes, w.change, token, { idempotencyKey: key }), oes.success);
    const before = await tenantSnapshot(d.tenantId);
    const reused = expectTypename(
      await runCase(db, d.change, token, { idempotencyKey: key }),
      'ConflictError',
    );
    expect(reused.reason).toBe('IDEMPOTENCY_KEY_REUSED');
    expect(await tenantSnapshot(d.tenantId)).toEqual(before);
  });

  it('a replay gives back a map that looks like the stored form of a date as it was', async () => {
    const w = await db.world();
    const key = newKey();
    const args = {
      connectionId: w.connectionId,
      input: { metadata: { $cgwDate: '2020-01-01T00:00:00.000Z' } },
    };
    const first = expectTypename(
      await runCase(db, args, w.token, { idempotencyKey: key }),
      db.success,
    );
    expect(first.connection.metadata).toEqual({ $cgwDate: '2020-01-01T00:00:00.000Z' });
    expect(await runCase(db, args, w.token, { idempotencyKey: key })).toEqual(first);
  });

  it('metadata key order does not make other arguments; another secret does', async () => {
    const w = await db.world();
    const key = newKey();
    const input = (metadata: Record<string, string>, password: string) => ({
      connectionId: w.connectionId,
      input: { metadata, password },
    });
    const first = expectTypename(
      await runCase(db, input({ a: '1', b: '2' }, 'pw-one'), w.token, { idempotencyKey: key }),
      db.success,
    );
    const replay = await runCase(db, input({ b: '2', a: '1' }, 'pw-one'), w.token, {
      idempotencyKey: key,
    });
    expect(replay).toEqual(first);
    const reused = expectTypename(
      await runCase(db, input({ a: '1', b: '2' }, 'pw-two'), w.token, { idempotencyKey: key }),
      'ConflictError',
    );
    expect(reused.reason).toBe('IDEMPOTENCY_KEY_REUSED');
    const [row] = await keyRows(key);
    expect(JSON.stringify(row)).not.toContain('pw-one');
  });
});

describe.runIf(onServer)('idempotency keys on the server', () => {
  it('20 concurrent calls with one key on two gateways: one write, one event, 20 equal results', async () => {
    const [oes] = MUTATION_CASES;
    const w = await oes.world();
    const key = newKey();
    const a = await isolatedGateway({ poolSize: 10 });
    const b = await isolatedGateway({ poolSize: 10 });
    try {
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          (i % 2 === 0 ? a : b).exec(oes.document, { ...w.change, idempotencyKey: key }, w.token),
        ),
      );
      for (const r of results) expect(r.errors).toBeUndefined();
      const members = results.map((r) => r.data!.updateOesConnection);
      expectTypename(members[0], oes.success);
      for (const m of members) expect(m).toEqual(members[0]);
      expect(members[0].connection.version).toBe(2);
      expect(await auditEvents(w.connectionId)).toHaveLength(1);
      expect(await keyRows(key)).toHaveLength(1);
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('the cleanup skips a key a request holds, and never waits for it', async () => {
    const [oes] = MUTATION_CASES;
    const w = await oes.world();
    const held = newKey();
    const free = newKey();
    expectTypename(await runCase(oes, w.change, w.token, { idempotencyKey: held }), oes.success);
    expectTypename(
      await runCase(oes, w.otherChange, w.token, { idempotencyKey: free }),
      oes.success,
    );
    await expire(held);
    await expire(free);
    const other = await isolatedGateway({ poolSize: 2 });
    const { database } = await getHarness();
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let locked!: () => void;
    const isLocked = new Promise<void>((resolve) => (locked = resolve));
    const holder = other.database.db.transaction().execute(async (trx) => {
      await trx
        .selectFrom('idempotency_keys')
        .select('key')
        .where('key', '=', held)
        .forUpdate()
        .execute();
      locked();
      await released;
    });
    try {
      await isLocked;
      const started = Date.now();
      await deleteExpiredKeys(database.db);
      expect(Date.now() - started).toBeLessThan(1000);
      expect(await keyRows(free)).toHaveLength(0);
      expect(await keyRows(held)).toHaveLength(1);
    } finally {
      release();
      await holder;
      await other.close();
    }
  });

  it('a call whose response was lost (committed, then dropped) is answered on retry from the record', async () => {
    // Simulated crash: the first call commits and its response is thrown away, as when the
    // process dies between COMMIT and the write to the socket; the retry goes to another
    // gateway instance on its own pool.
    const [, , , db] = MUTATION_CASES;
    const w = await db.world();
    const key = newKey();
    const first = await isolatedGateway({ poolSize: 2 });
    await first.exec(db.document, { ...w.change, idempotencyKey: key }, w.token);
    await first.close();
    const second = await isolatedGateway({ poolSize: 2 });
    try {
      const retry = await second.exec(db.document, { ...w.change, idempotencyKey: key }, w.token);
      const member = expectTypename(retry.data!.patchDatabaseConnection, db.success);
      expect(member.changedFields).toEqual(w.changedFields);
      w.expectChanged(member.connection, 2);
      expect(await auditEvents(w.connectionId)).toHaveLength(1);
    } finally {
      await second.close();
    }
  });
});

describe('an idempotency key and the caller’s rights', () => {
  it('never replays a result to a key of the same principal with other rights', async () => {
    const { database } = await getHarness();
    const w = await oesWorld();
    const other = await oesWorld();
    const principalId = `p-${randomUUID()}`;
    const withKey = async (tenantId: string, permissions: Permission[]) =>
      (
        await createPrincipalWithKey(database.db, {
          principalId,
          key: `cgw_test_${randomUUID().replace(/-/g, '')}`,
          memberships: [{ tenantId, permissions }],
        })
      ).key;
    const writer = await withKey(w.tenantId, ['connections:read', 'connections:write']);
    // The same principal's second key: no rights in the first tenant at all.
    const outsider = await withKey(other.tenantId, ['connections:read', 'connections:write']);
    const key = newKey();
    const update = (token: string) =>
      gql(
        `mutation($e: ID!, $c: ID!, $k: String) {
          updateOesConnection(enterpriseId: $e, connectionId: $c, input: { name: "Renamed" }, idempotencyKey: $k) {
            __typename
            ... on UpdateOesConnectionSuccess { connection { id name partner { name } } }
            ... on ConflictError { reason }
          }
        }`,
        { e: w.tenantId, c: w.connectionId, k: key },
        token,
      );
    const first = await update(writer);
    expect(first.data?.updateOesConnection).toMatchObject({
      __typename: 'UpdateOesConnectionSuccess',
      connection: { name: 'Renamed' },
    });
    const replayedToOutsider = await update(outsider);
    expect(replayedToOutsider.data?.updateOesConnection).toEqual({
      __typename: 'ConflictError',
      reason: 'IDEMPOTENCY_KEY_REUSED',
    });
    // The key with the same rights still gets the first result.
    expect(await update(writer)).toEqual(first);
  });
});
