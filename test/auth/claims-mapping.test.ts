import { randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';
import { gatewayWith, TEST_JWT_SECRET } from '../helpers/harness.js';
import { oesWorld, UPDATE_OES } from '../helpers/oes.js';

const VIEWER = '{ viewer { id memberships { tenantId permissions } } }';
const secret = new TextEncoder().encode(TEST_JWT_SECRET);
const hs256 = (claims: Record<string, unknown>) =>
  new SignJWT({ sub: `u-${randomUUID()}`, ...claims })
    .setProtectedHeader({ alg: 'HS256' })
    .setExpirationTime('5m')
    .sign(secret);
const RW = ['connections:read', 'connections:write'];

type Gw = Awaited<ReturnType<typeof gatewayWith>>;

async function membershipsOf(gw: Gw, token: string) {
  const r = await gw.exec(VIEWER, {}, token);
  expect(r.errors).toBeUndefined();
  return r.data!.viewer?.memberships ?? null;
}

async function rename(gw: Gw, w: Awaited<ReturnType<typeof oesWorld>>, token: string) {
  const m = await gw.exec(
    UPDATE_OES,
    { enterpriseId: w.tenantId, connectionId: w.connectionId, input: { name: randomUUID() } },
    token,
  );
  expect(m.errors).toBeUndefined();
  return m.data!.updateOesConnection.__typename;
}

describe('JWT_MEMBERSHIPS_CLAIM: memberships under a namespaced claim', () => {
  const CLAIM = 'https://example.com/memberships';
  let gw: Gw;
  beforeAll(async () => {
    gw = await gatewayWith({ jwtSecret: TEST_JWT_SECRET, jwtClaims: { membershipsClaim: CLAIM } });
  });
  afterAll(() => gw.close());

  it('reads the configured claim and only it', async () => {
    const w = await oesWorld();
    const other = await oesWorld();
    const token = await hs256({
      [CLAIM]: [{ tenantId: w.tenantId, permissions: RW }],
      memberships: [{ tenantId: other.tenantId, permissions: RW }],
    });
    expect(await membershipsOf(gw, token)).toEqual([{ tenantId: w.tenantId, permissions: RW }]);
    expect(await rename(gw, w, token)).toBe('UpdateOesConnectionSuccess');
    expect(await rename(gw, other, token)).toBe('AuthenticationError');

    const plainOnly = await hs256({ memberships: [{ tenantId: w.tenantId, permissions: RW }] });
    expect(await membershipsOf(gw, plainOnly)).toEqual([]);
    const malformed = await hs256({ [CLAIM]: { tenantId: w.tenantId } });
    expect(await membershipsOf(gw, malformed)).toBeNull();
  });
});

describe('JWT_TENANT_CLAIM + JWT_PERMISSIONS_CLAIM: one membership (Auth0 Organizations)', () => {
  let gw: Gw;
  beforeAll(async () => {
    gw = await gatewayWith({
      jwtSecret: TEST_JWT_SECRET,
      jwtClaims: { tenantClaim: 'org_id', permissionsClaim: 'permissions' },
    });
  });
  afterAll(() => gw.close());

  it('gives the principal the tenant claim with the permissions claim', async () => {
    const w = await oesWorld();
    const other = await oesWorld();
    const token = await hs256({
      org_id: w.tenantId,
      permissions: [...RW, 'read:unrelated'],
      memberships: [{ tenantId: other.tenantId, permissions: RW }],
    });
    expect(await membershipsOf(gw, token)).toEqual([{ tenantId: w.tenantId, permissions: RW }]);
    expect(await rename(gw, w, token)).toBe('UpdateOesConnectionSuccess');
    expect(await rename(gw, other, token)).toBe('AuthenticationError');

    const readOnly = await hs256({ org_id: w.tenantId, permissions: 'openid connections:read' });
    expect(await membershipsOf(gw, readOnly)).toEqual([
      { tenantId: w.tenantId, permissions: ['connections:read'] },
    ]);
    expect(await rename(gw, w, readOnly)).toBe('PermissionDeniedError');
  });

  it('no tenant claim: no membership; no permissions claim: a member without permissions', async () => {
    const w = await oesWorld();
    expect(await membershipsOf(gw, await hs256({ permissions: RW }))).toEqual([]);
    const bare = await hs256({ org_id: w.tenantId });
    expect(await membershipsOf(gw, bare)).toEqual([{ tenantId: w.tenantId, permissions: [] }]);
    expect(await rename(gw, w, bare)).toBe('PermissionDeniedError');
  });

  it('refuses a token whose tenant or permissions claim is malformed', async () => {
    const w = await oesWorld();
    for (const [label, claims] of Object.entries({
      'tenant not a string': { org_id: 7, permissions: RW },
      'tenant empty': { org_id: '', permissions: RW },
      'tenant with NUL': { org_id: `${w.tenantId}\u0000`, permissions: RW },
      'tenant with a lone surrogate': { org_id: `${w.tenantId}\ud800`, permissions: RW },
      'permissions not strings': { org_id: w.tenantId, permissions: [1, 2] },
      'permissions an object': { org_id: w.tenantId, permissions: { read: true } },
    })) {
      const token = await hs256(claims);
      expect(await membershipsOf(gw, token), label).toBeNull();
      expect(await rename(gw, w, token), label).toBe('AuthenticationError');
    }
  });
});

describe('configuration of JWT identity providers', () => {
  const base = {
    DATABASE_URL: 'postgresql://localhost/x',
    SECRETS_KEY: Buffer.alloc(32, 1).toString('base64'),
  };
  const problemsOf = (env: Record<string, string>): string[] => {
    try {
      loadConfig({ ...base, ...env });
      return [];
    } catch (error) {
      if (error instanceof ConfigError) return error.problems;
      throw error;
    }
  };

  it('reads the JWKS URL, issuer, audience and claims mapping', () => {
    const config = loadConfig({
      ...base,
      JWT_JWKS_URL: 'https://tenant.auth0.example/.well-known/jwks.json',
      JWT_ISSUER: 'https://tenant.auth0.example/',
      JWT_AUDIENCE: 'https://gateway.example',
      JWT_TENANT_CLAIM: 'org_id',
      JWT_PERMISSIONS_CLAIM: 'permissions',
    });
    expect(config).toMatchObject({
      jwtJwksUrl: 'https://tenant.auth0.example/.well-known/jwks.json',
      jwtIssuer: 'https://tenant.auth0.example/',
      jwtAudience: 'https://gateway.example',
      jwtClaims: { tenantClaim: 'org_id', permissionsClaim: 'permissions' },
    });
    expect(loadConfig(base).jwtClaims).toEqual({ membershipsClaim: 'memberships' });
    const local = { JWT_JWKS_URL: 'http://localhost:8080/jwks' };
    expect(loadConfig({ ...base, ...local }).jwtJwksUrl).toBe(local.JWT_JWKS_URL);
  });

  it('reports every mistake at once', () => {
    const problems = problemsOf({
      JWT_JWKS_URL: 'http://idp.example.com/jwks.json',
      JWT_MEMBERSHIPS_CLAIM: 'https://example.com/memberships',
      JWT_TENANT_CLAIM: 'org_id',
      LOG_LEVEL: 'loud',
    });
    expect(problems).toHaveLength(3);
    expect(problems.join('\n')).toMatch(/JWT_JWKS_URL must be an https:\/\/ URL/);
    expect(problems.join('\n')).toMatch(/JWT_MEMBERSHIPS_CLAIM excludes JWT_TENANT_CLAIM/);
  });

  it('refuses half a claims pair, a URL that is not one, and claims settings with no JWT keys', () => {
    const secret = { JWT_SECRET: TEST_JWT_SECRET };
    expect(problemsOf({ ...secret, JWT_TENANT_CLAIM: 'org_id' })).toEqual([
      'JWT_TENANT_CLAIM and JWT_PERMISSIONS_CLAIM must be set together',
    ]);
    expect(problemsOf({ ...secret, JWT_PERMISSIONS_CLAIM: 'permissions' })).toEqual([
      'JWT_TENANT_CLAIM and JWT_PERMISSIONS_CLAIM must be set together',
    ]);
    expect(problemsOf({ JWT_JWKS_URL: 'jwks.json' })).toEqual([
      'JWT_JWKS_URL must be an absolute URL (got "jwks.json")',
    ]);
    expect(problemsOf({ JWT_JWKS_URL: 'file:///etc/jwks.json' })[0]).toMatch(/https:\/\//);
    expect(problemsOf({ JWT_AUDIENCE: 'a', JWT_TENANT_CLAIM: 'o' })).toEqual([
      'JWT_TENANT_CLAIM and JWT_PERMISSIONS_CLAIM must be set together',
      'JWT_AUDIENCE, JWT_TENANT_CLAIM need JWTs enabled (JWT_SECRET, JWT_PUBLIC_KEY or JWT_JWKS_URL)',
    ]);
  });
});
