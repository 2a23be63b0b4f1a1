import { randomBytes, randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { rewrapAllSecrets } from '../../src/crypto/rewrap.js';
import { SecretBox } from '../../src/crypto/secret-box.js';
import { createDatabaseConnection } from '../../src/demo/builders.js';
import { getHarness, newTenant } from '../helpers/harness.js';

const key = () => randomBytes(32);
const ctx = (
  over: Partial<{ tenantId: string; resourceType: string; resourceId: string; field: string }> = {},
) => ({
  tenantId: 't-a',
  resourceType: 'DatabaseConnection',
  resourceId: '7d0f4c52-7c1e-4a55-9d9b-2f2d7c8a1b11',
  field: 'password',
  ...over,
});

describe('SecretBox', () => {
  const box = new SecretBox([{ id: 'k1', key: key() }]);

  it('opens what it sealed, and never stores the plaintext', () => {
    const sealed = box.seal('s3cret-canary', ctx());
    expect(sealed).not.toContain('s3cret-canary');
    expect(sealed.startsWith('v1.k1.')).toBe(true);
    expect(box.open(sealed, ctx())).toBe('s3cret-canary');
    expect(box.seal('s3cret-canary', ctx())).not.toBe(sealed); // fresh data key and IVs
  });

  it('refuses a tampered ciphertext, whichever part is changed', () => {
    const sealed = box.seal('value', ctx());
    const parts = sealed.split('.');
    for (let i = 2; i < parts.length; i++) {
      const bytes = Buffer.from(parts[i], 'base64url');
      bytes[bytes.length - 1] ^= 1;
      const tampered = [
        ...parts.slice(0, i),
        bytes.toString('base64url'),
        ...parts.slice(i + 1),
      ].join('.');
      expect(() => box.open(tampered, ctx()), `part ${i}`).toThrow();
    }
    expect(() => box.open('v1.k1.garbage', ctx())).toThrow();
  });

  it('refuses a ciphertext copied to another tenant, row or field', () => {
    const sealed = box.seal('value', ctx());
    expect(() => box.open(sealed, ctx({ tenantId: 't-b' }))).toThrow();
    expect(() => box.open(sealed, ctx({ resourceId: randomUUID() }))).toThrow();
    expect(() => box.open(sealed, ctx({ field: 'sslClientKey' }))).toThrow();
    expect(() => box.open(sealed, ctx({ resourceType: 'OrgConnection' }))).toThrow();
  });

  it('rotates: a new first key seals, the old one still opens, rewrap moves only the wrapping', () => {
    const k1 = { id: 'k1', key: key() };
    const k2 = { id: 'k2', key: key() };
    const old = new SecretBox([k1]).seal('value', ctx());
    const ring = new SecretBox([k2, k1]);
    expect(ring.open(old, ctx())).toBe('value');
    expect(ring.keyIdOf(ring.seal('value', ctx()))).toBe('k2');
    const moved = ring.rewrap(old, ctx());
    expect(ring.keyIdOf(moved)).toBe('k2');
    expect(moved.split('.').slice(4)).toEqual(old.split('.').slice(4)); // same secret ciphertext
    expect(new SecretBox([k2]).open(moved, ctx())).toBe('value');
    expect(() => new SecretBox([k2]).open(old, ctx())).toThrow(/unknown key id/);
  });
});

describe('secrets:rewrap over the database', () => {
  it('moves every stored secret to the active key without a version bump', async () => {
    const { database } = await getHarness();
    const tenantId = await newTenant();
    const k1 = { id: `old${randomBytes(3).toString('hex')}`, key: key() };
    const k2 = { id: `new${randomBytes(3).toString('hex')}`, key: key() };
    const id = await createDatabaseConnection(database.db, new SecretBox([k1]), {
      tenantId,
      name: 'rotating',
      password: 'pw-canary',
    });
    const before = await database.db
      .selectFrom('database_connections')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    expect(before.password_enc!.startsWith(`v1.${k1.id}.`)).toBe(true);

    // Limited to this test's tenant: other tests share the database and its key.
    const moved = await rewrapAllSecrets(database.db, new SecretBox([k2, k1]), { tenantId });
    expect(moved).toBe(1);
    const after = await database.db
      .selectFrom('database_connections')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    expect(after.password_enc!.startsWith(`v1.${k2.id}.`)).toBe(true);
    expect(after.version).toBe(before.version);
    expect(after.updated_at).toEqual(before.updated_at);
    expect(
      new SecretBox([k2]).open(after.password_enc!, {
        tenantId,
        resourceType: 'DatabaseConnection',
        resourceId: id,
        field: 'password',
      }),
    ).toBe('pw-canary');
  });
});
