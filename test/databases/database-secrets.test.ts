import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { createDatabaseConnection } from '../../src/demo/builders.js';
import { expectTypename, getHarness, gql } from '../helpers/harness.js';
import {
  CERT_PEM,
  CONNECTION_FIELDS,
  dbSnapshot,
  dbWorld,
  keyPem,
  openSecrets,
  PATCH_DB,
  patchDb,
} from '../helpers/databases.js';

describe('patchDatabaseConnection: secrets are write-only', () => {
  it('the canary password and client key appear in no response, column, audit event or log line', async () => {
    const { database, logs } = await getHarness();
    const w = await dbWorld();
    const canary = `canary-${randomBytes(8).toString('hex')}`;
    const keyCanary = `keycanary${randomBytes(8).toString('hex')}`;
    const key = keyPem(keyCanary);
    const responses: unknown[] = [];

    const patched = await gql(
      PATCH_DB,
      { connectionId: w.connectionId, input: { password: canary, ssl: { clientKey: key } } },
      w.admin,
    );
    responses.push(patched);
    expect(
      expectTypename(patched.data!.patchDatabaseConnection, 'PatchDatabaseConnectionSuccess')
        .connection,
    ).toMatchObject({
      hasPassword: true,
      ssl: { hasClientKey: true },
    });
    // Refusals that carry the secrets next to a bad field, and a conflict.
    responses.push(
      await gql(
        PATCH_DB,
        {
          connectionId: w.connectionId,
          input: { password: `${canary}${'x'.repeat(1024)}`, port: 0 },
        },
        w.admin,
      ),
    );
    responses.push(
      await gql(
        PATCH_DB,
        {
          connectionId: w.connectionId,
          input: { password: canary, ssl: { clientKey: `${key}\n${key}` } },
        },
        w.admin,
      ),
    );
    responses.push(
      await gql(
        PATCH_DB,
        { connectionId: w.connectionId, input: { password: canary, expectedVersion: 1 } },
        w.admin,
      ),
    );
    responses.push(
      await gql(
        PATCH_DB,
        { connectionId: w.connectionId, input: { password: canary, type: 'NOPE' } },
        w.admin,
      ),
    );
    // Reads.
    responses.push(
      await gql(
        `query($id: ID!) { databaseConnection(connectionId: $id) { ${CONNECTION_FIELDS} } }`,
        { id: w.connectionId },
        w.viewer,
      ),
    );
    responses.push(
      await gql(
        `query($t: ID!) { databaseConnections(tenantId: $t) { items { ${CONNECTION_FIELDS} } } }`,
        { t: w.tenantId },
        w.viewer,
      ),
    );
    responses.push(
      await gql(
        `query($id: ID!) { auditEvents(resourceId: $id) { items { changedFields operation } } }`,
        { id: w.connectionId },
        w.viewer,
      ),
    );

    const text = JSON.stringify(responses);
    expect(text).toContain('PatchDatabaseConnectionSuccess');
    expect(text).toContain('VERSION_MISMATCH');
    for (const secret of [
      canary,
      keyCanary,
      Buffer.from(`key material ${keyCanary}`).toString('base64'),
    ]) {
      expect(text).not.toContain(secret);
      expect(JSON.stringify(logs)).not.toContain(secret);
    }

    const { row, events } = await dbSnapshot(w.tenantId, w.connectionId);
    expect(row!.password_enc).toMatch(/^v1\.test1\./);
    expect(row!.ssl_client_key_enc).toMatch(/^v1\.test1\./);
    expect(events.map((e) => e.changed_fields)).toEqual([['password', 'ssl']]);
    const stored = await sql<{
      doc: string;
    }>`select row_to_json(c)::text as doc from database_connections c where id = ${w.connectionId}`.execute(
      database.db,
    );
    const audit = await sql<{
      doc: string;
    }>`select row_to_json(a)::text as doc from audit_events a where resource_id = ${w.connectionId}`.execute(
      database.db,
    );
    for (const doc of [...stored.rows, ...audit.rows].map((r) => r.doc)) {
      expect(doc).not.toContain(canary);
      expect(doc).not.toContain(keyCanary);
      expect(doc).not.toContain('PRIVATE KEY');
    }
    // …yet both open with the context the demo builders use.
    expect(await openSecrets(w.tenantId, w.connectionId)).toEqual({
      password: canary,
      clientKey: key,
    });
  });

  it('the GraphQL types have no field that could return a secret', async () => {
    const { gateway } = await getHarness();
    const connection = gateway.schema.getType('DatabaseConnection') as any;
    const ssl = gateway.schema.getType('DatabaseSsl') as any;
    expect(Object.keys(connection.getFields())).not.toContain('password');
    expect(Object.keys(ssl.getFields())).toEqual([
      'enabled',
      'mode',
      'caCertificate',
      'clientCertificate',
      'hasClientKey',
    ]);
  });
});

describe('patchDatabaseConnection: the password is tri-state', () => {
  it('absent keeps it, a value replaces it, the same value is no change, null removes it', async () => {
    const w = await dbWorld();
    await patchDb(w.connectionId, { port: 1 }, w.admin);
    expect((await openSecrets(w.tenantId, w.connectionId)).password).toBe('initial-password');

    const replaced = await patchDb(w.connectionId, { password: 'second' }, w.admin);
    expect(expectTypename(replaced, 'PatchDatabaseConnectionSuccess').connection).toMatchObject({
      hasPassword: true,
      version: 3,
    });
    expect((await openSecrets(w.tenantId, w.connectionId)).password).toBe('second');

    const before = await dbSnapshot(w.tenantId, w.connectionId);
    const same = await patchDb(w.connectionId, { password: 'second' }, w.admin);
    expect(expectTypename(same, 'PatchDatabaseConnectionSuccess').connection.version).toBe(3);
    expect(await dbSnapshot(w.tenantId, w.connectionId)).toEqual(before);

    const cleared = await patchDb(w.connectionId, { password: null }, w.admin);
    expect(expectTypename(cleared, 'PatchDatabaseConnectionSuccess').connection).toMatchObject({
      hasPassword: false,
      version: 4,
    });
    expect((await dbSnapshot(w.tenantId, w.connectionId)).row!.password_enc).toBeNull();

    const set = await patchDb(w.connectionId, { password: 'third' }, w.admin);
    expect(expectTypename(set, 'PatchDatabaseConnectionSuccess').connection).toMatchObject({
      hasPassword: true,
      version: 5,
    });
    const { events } = await dbSnapshot(w.tenantId, w.connectionId);
    expect(events.map((e) => e.changed_fields)).toEqual([
      ['port'],
      ['password'],
      ['password'],
      ['password'],
    ]);
  });

  it('a password sealed by the demo builders is recognised (same sealing context)', async () => {
    const { database, secrets } = await getHarness();
    const w = await dbWorld();
    const id = await createDatabaseConnection(database.db, secrets, {
      tenantId: w.tenantId,
      name: 'builder-made',
      password: 'from-builder',
    });
    const r = await patchDb(id, { password: 'from-builder' }, w.admin);
    expect(expectTypename(r, 'PatchDatabaseConnectionSuccess').connection.version).toBe(1);
  });

  it('a stored password that no longer opens is simply replaced', async () => {
    const { database } = await getHarness();
    const w = await dbWorld();
    const other = await dbWorld();
    // A ciphertext moved from another row does not open under this row's context.
    const foreign = (await dbSnapshot(other.tenantId, other.connectionId)).row!.password_enc;
    await database.db
      .updateTable('database_connections')
      .set({ password_enc: foreign })
      .where('id', '=', w.connectionId)
      .execute();
    const r = await patchDb(w.connectionId, { password: 'initial-password' }, w.admin);
    expect(expectTypename(r, 'PatchDatabaseConnectionSuccess').connection.version).toBe(2);
    expect((await openSecrets(w.tenantId, w.connectionId)).password).toBe('initial-password');
  });
});

describe('patchDatabaseConnection: the SSL client key is tri-state', () => {
  it('set, same value no change, absent keeps, ssl.clientKey null removes only the key, ssl null removes everything', async () => {
    const w = await dbWorld();
    const set = await patchDb(
      w.connectionId,
      { ssl: { clientCertificate: CERT_PEM, clientKey: keyPem('one') } },
      w.admin,
    );
    expect(expectTypename(set, 'PatchDatabaseConnectionSuccess').connection).toMatchObject({
      version: 2,
      ssl: { hasClientKey: true },
    });
    const same = await patchDb(w.connectionId, { ssl: { clientKey: keyPem('one') } }, w.admin);
    expect(expectTypename(same, 'PatchDatabaseConnectionSuccess').connection.version).toBe(2);

    const replaced = await patchDb(w.connectionId, { ssl: { clientKey: keyPem('two') } }, w.admin);
    expect(expectTypename(replaced, 'PatchDatabaseConnectionSuccess').connection.version).toBe(3);
    expect((await openSecrets(w.tenantId, w.connectionId)).clientKey).toBe(keyPem('two'));

    await patchDb(w.connectionId, { ssl: { mode: 'VERIFY_FULL' } }, w.admin);
    expect((await openSecrets(w.tenantId, w.connectionId)).clientKey).toBe(keyPem('two'));

    const keyOnly = await patchDb(w.connectionId, { ssl: { clientKey: null } }, w.admin);
    expect(expectTypename(keyOnly, 'PatchDatabaseConnectionSuccess').connection.ssl).toEqual({
      enabled: true,
      mode: 'VERIFY_FULL',
      caCertificate: null,
      clientCertificate: CERT_PEM,
      hasClientKey: false,
    });

    await patchDb(w.connectionId, { ssl: { clientKey: keyPem('three') } }, w.admin);
    const all = await patchDb(w.connectionId, { ssl: null }, w.admin);
    expect(expectTypename(all, 'PatchDatabaseConnectionSuccess').connection.ssl).toBeNull();
    expect((await dbSnapshot(w.tenantId, w.connectionId)).row).toMatchObject({
      ssl: null,
      ssl_client_key_enc: null,
    });
    const { events } = await dbSnapshot(w.tenantId, w.connectionId);
    expect(events.map((e) => e.changed_fields)).toEqual([
      ['ssl'],
      ['ssl'],
      ['ssl'],
      ['ssl'],
      ['ssl'],
      ['ssl'],
    ]);
  });
});
