import { randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { revokeApiKey } from '../../db/queries/identity.js';
import { hashApiKey } from '../../src/auth/api-keys.js';
import {
  execute,
  expectTypename,
  getHarness,
  gql,
  newApiKey,
  TEST_JWT_SECRET,
} from '../helpers/harness.js';
import { dbWorld, patchDb } from '../helpers/databases.js';
import { oesWorld, UPDATE_OES } from '../helpers/oes.js';

const VIEWER = '{ viewer { id kind memberships { tenantId permissions } } }';
const secret = new TextEncoder().encode(TEST_JWT_SECRET);

function hs256(claims: Record<string, unknown>, { exp = '5m' as string | null } = {}) {
  const jwt = new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setIssuedAt();
  if (exp) jwt.setExpirationTime(exp);
  return jwt.sign(secret);
}

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

describe('API keys', () => {
  it('a valid key authenticates its principal with its memberships', async () => {
    const w = await oesWorld();
    const r = await gql(VIEWER, {}, w.admin);
    expect(r.data!.viewer).toMatchObject({
      kind: 'api_key',
      memberships: [{ tenantId: w.tenantId }],
    });
  });

  it('stores only a hash of the key', async () => {
    const w = await oesWorld();
    const { database } = await getHarness();
    const rows = await database.db
      .selectFrom('api_keys')
      .select('key_hash')
      .where('key_hash', '=', hashApiKey(w.admin))
      .execute();
    expect(rows).toHaveLength(1);
    const plain = await database.db
      .selectFrom('api_keys')
      .select('id')
      .where('key_hash', '=', w.admin)
      .execute();
    expect(plain).toHaveLength(0);
  });

  it('unknown, revoked and expired keys are all refused the same way', async () => {
    const w = await oesWorld();
    const { database } = await getHarness();
    const expired = await newApiKey(w.tenantId, ['connections:write'], {
      expiresAt: new Date(Date.now() - 1000),
    });
    const revoked = await newApiKey(w.tenantId, ['connections:write']);
    const [row] = await database.db
      .selectFrom('api_keys')
      .select('id')
      .where('key_hash', '=', hashApiKey(revoked))
      .execute();
    expect(await revokeApiKey(database.db, row.id)).toBe(true);
    const notYetExpired = await newApiKey(w.tenantId, ['connections:read'], {
      expiresAt: new Date(Date.now() + 60_000),
    });
    expect((await gql(VIEWER, {}, notYetExpired)).data!.viewer).not.toBeNull();

    const results = [];
    for (const token of ['cgw_nope', expired, revoked]) {
      expect((await gql(VIEWER, {}, token)).data!.viewer).toBeNull();
      const m = await gql(
        UPDATE_OES,
        { enterpriseId: w.tenantId, connectionId: w.connectionId, input: { active: false } },
        token,
      );
      results.push(expectTypename(m.data!.updateOesConnection, 'AuthenticationError'));
    }
    expect(new Set(results.map((r) => JSON.stringify(r))).size).toBe(1);
  });
});

describe('JWTs', () => {
  it('a valid HS256 token carries its memberships', async () => {
    const w = await oesWorld();
    const token = await hs256({
      sub: 'user-1',
      memberships: [
        { tenantId: w.tenantId, permissions: ['connections:read', 'connections:write'] },
      ],
    });
    expect((await gql(VIEWER, {}, token)).data!.viewer).toEqual({
      id: 'user-1',
      kind: 'jwt',
      memberships: [
        { tenantId: w.tenantId, permissions: ['connections:read', 'connections:write'] },
      ],
    });
    const m = await gql(
      UPDATE_OES,
      { enterpriseId: w.tenantId, connectionId: w.connectionId, input: { name: 'by jwt' } },
      token,
    );
    expectTypename(m.data!.updateOesConnection, 'UpdateOesConnectionSuccess');
    const { database } = await getHarness();
    const event = await database.db
      .selectFrom('audit_events')
      .selectAll()
      .where('resource_id', '=', w.connectionId)
      .executeTakeFirstOrThrow();
    expect(event).toMatchObject({ actor_id: 'user-1', actor_kind: 'jwt' });
  });

  it('a valid ES256 token signed by the configured public key is accepted', async () => {
    const { ecKey } = await getHarness();
    const token = await new SignJWT({ sub: 'user-ec', memberships: [] })
      .setProtectedHeader({ alg: 'ES256' })
      .setExpirationTime('5m')
      .sign(ecKey.privateKey);
    expect((await gql(VIEWER, {}, token)).data!.viewer).toMatchObject({
      id: 'user-ec',
      kind: 'jwt',
    });
  });

  it('refuses expired, badly signed, alg:none, exp-less, sub-less and malformed-membership tokens', async () => {
    const w = await oesWorld();
    const memberships = [{ tenantId: w.tenantId, permissions: ['connections:write'] }];
    const expired = await new SignJWT({ sub: 'u', memberships })
      .setProtectedHeader({ alg: 'HS256' })
      .setExpirationTime(Math.floor(Date.now() / 1000) - 60)
      .sign(secret);
    const badSignature = await new SignJWT({ sub: 'u', memberships })
      .setProtectedHeader({ alg: 'HS256' })
      .setExpirationTime('5m')
      .sign(new TextEncoder().encode('another-secret-that-is-long-enough-32b'));
    const none = `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ sub: 'u', exp: Math.floor(Date.now() / 1000) + 300, memberships })}.`;
    const noExp = await hs256({ sub: 'u', memberships }, { exp: null });
    const noSub = await hs256({ memberships });
    const badMemberships = await hs256({ sub: 'u', memberships: [{ tenantId: 7 }] });
    const tampered = (await hs256({ sub: 'u', memberships: [] })).replace(
      /\.([^.]+)\./,
      `.${b64({ sub: 'u', exp: 9999999999, memberships })}.`,
    );

    for (const [label, token] of Object.entries({
      expired,
      badSignature,
      none,
      noExp,
      noSub,
      badMemberships,
      tampered,
    })) {
      expect((await gql(VIEWER, {}, token)).data!.viewer, label).toBeNull();
      const m = await gql(
        UPDATE_OES,
        { enterpriseId: w.tenantId, connectionId: w.connectionId, input: { active: false } },
        token,
      );
      expect(m.data!.updateOesConnection.__typename, label).toBe('AuthenticationError');
    }
  });

  it('ignores permissions it does not know', async () => {
    const w = await oesWorld();
    const token = await hs256({
      sub: `u-${randomUUID()}`,
      memberships: [{ tenantId: w.tenantId, permissions: ['root', 'connections:read'] }],
    });
    expect((await gql(VIEWER, {}, token)).data!.viewer.memberships).toEqual([
      { tenantId: w.tenantId, permissions: ['connections:read'] },
    ]);
  });
});

describe('the Authorization header and hostile claims', () => {
  const withHeader = async (query: string, variables: Record<string, unknown>, header: string) =>
    execute((await getHarness()).gateway, query, variables, header);

  it('takes the scheme in any case (RFC 7235), for API keys and JWTs', async () => {
    const w = await oesWorld();
    const jwt = await hs256({ sub: 'u-case', memberships: [] });
    for (const scheme of ['Bearer', 'bearer', 'BEARER', 'bEaReR']) {
      for (const token of [w.viewer, jwt]) {
        const r = await withHeader(VIEWER, {}, `${scheme} ${token}`);
        expect(r.data!.viewer, `${scheme} ${token.slice(0, 8)}`).not.toBeNull();
      }
    }
    for (const header of ['Basic abc', `Bearer${w.viewer}`, `Token ${w.viewer}`]) {
      expect((await withHeader(VIEWER, {}, header)).data!.viewer, header).toBeNull();
    }
  });

  it('refuses a JWT whose sub, tenant ids or jti cannot be stored: an empty, NUL, control or lone-surrogate string', async () => {
    const w = await oesWorld();
    const db = await dbWorld();
    const good = (tenantId: string) => ({
      tenantId,
      permissions: ['connections:read', 'connections:write'],
    });
    const hostile = [
      '',
      'a\u0000b',
      'a\u0001b',
      'a\u007fb',
      'a\ud800b',
      'a\udc00',
      'x'.repeat(256),
    ];
    const tokens: Record<string, string> = {};
    for (const [i, bad] of hostile.entries()) {
      tokens[`sub ${i}`] = await hs256({
        sub: bad,
        memberships: [good(w.tenantId), good(db.tenantId)],
      });
      tokens[`tenantId ${i}`] = await hs256({
        sub: `u-${randomUUID()}`,
        memberships: [good(w.tenantId), good(db.tenantId), good(bad)],
      });
    }
    for (const [label, token] of Object.entries(tokens)) {
      const viewer = await gql(VIEWER, {}, token);
      expect(viewer.errors, label).toBeUndefined();
      expect(viewer.data!.viewer, label).toBeNull();
      // A lookup by id alone runs SQL over every tenant the caller is a member of.
      const read = await gql(
        'query ($id: ID!) { databaseConnection(connectionId: $id) { id } }',
        { id: db.connectionId },
        token,
      );
      expect(
        read.errors?.map((e) => e.extensions?.code),
        label,
      ).toEqual(['UNAUTHENTICATED']);
      const byId = await patchDb(db.connectionId, { name: 'hostile' }, token);
      expect(byId.__typename, label).toBe('AuthenticationError');
      const m = await gql(
        UPDATE_OES,
        { enterpriseId: w.tenantId, connectionId: w.connectionId, input: { name: 'hostile' } },
        token,
      );
      expect(m.errors, label).toBeUndefined();
      expect(m.data!.updateOesConnection.__typename, label).toBe('AuthenticationError');
    }
  });

  it('drops hostile permission strings and keeps the token; a hostile jti is not kept', async () => {
    const w = await oesWorld();
    const token = await hs256({
      sub: `u-${randomUUID()}`,
      jti: 'j\u0000ti',
      memberships: [
        { tenantId: w.tenantId, permissions: ['connections:read', 'a\u0000b', 'c\ud800'] },
      ],
    });
    expect((await gql(VIEWER, {}, token)).data!.viewer.memberships).toEqual([
      { tenantId: w.tenantId, permissions: ['connections:read'] },
    ]);
    const m = await gql(
      UPDATE_OES,
      { enterpriseId: w.tenantId, connectionId: w.connectionId, input: { name: 'x' } },
      token,
    );
    expect(m.data!.updateOesConnection.__typename).toBe('PermissionDeniedError');
  });
});
