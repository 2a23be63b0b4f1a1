import { createPublicKey, randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { SignJWT, type CryptoKey } from 'jose';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { JWKS_COOLDOWN_MS, JWKS_MAX_AGE_MS } from '../../src/auth/jwt.js';
import { createHttpServer } from '../../src/http.js';
import {
  gatewayWith,
  getHarness,
  TEST_JWT_SECRET,
  TEST_SECRETS_KEY_ENV,
  type GqlResult,
} from '../helpers/harness.js';
import {
  closedPortUrl,
  newIdpKey,
  signWith,
  startIdp,
  type Idp,
  type IdpKey,
} from '../helpers/idp.js';
import { oesWorld, UPDATE_OES } from '../helpers/oes.js';
import { onServer, postGraphQL, spawnGateway } from '../helpers/server.js';

const VIEWER = '{ viewer { id kind memberships { tenantId permissions } } }';
const OES_LIST = 'query ($id: ID!) { oesConnections(enterpriseId: $id) { items { id } } }';
const ISSUER = 'https://idp.example.test/';
const AUDIENCE = 'https://gateway.example.test';
const secret = new TextEncoder().encode(TEST_JWT_SECRET);
const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const inSeconds = (s: number) => Math.floor(Date.now() / 1000) + s;

type Gw = Awaited<ReturnType<typeof gatewayWith>>;
type World = Awaited<ReturnType<typeof oesWorld>>;

const writer = (w: World) => [
  { tenantId: w.tenantId, permissions: ['connections:read', 'connections:write'] },
];

/** The caller is refused everywhere: viewer null, queries UNAUTHENTICATED, mutations data. */
async function expectRefused(gw: Gw, w: World, token: string, label: string) {
  const viewer = await gw.exec(VIEWER, {}, token);
  expect(viewer.errors, label).toBeUndefined();
  expect(viewer.data!.viewer, label).toBeNull();
  const list = await gw.exec(OES_LIST, { id: w.tenantId }, token);
  expect(
    list.errors?.map((e) => e.extensions?.code),
    label,
  ).toEqual(['UNAUTHENTICATED']);
  const m = await gw.exec(
    UPDATE_OES,
    { enterpriseId: w.tenantId, connectionId: w.connectionId, input: { name: 'refused' } },
    token,
  );
  expect(m.errors, label).toBeUndefined();
  expect(m.data!.updateOesConnection.__typename, label).toBe('AuthenticationError');
}

async function expectAccepted(gw: Gw, w: World, token: string, label: string) {
  const viewer = await gw.exec(VIEWER, {}, token);
  expect(viewer.data!.viewer?.memberships, label).toEqual([
    { tenantId: w.tenantId, permissions: ['connections:read', 'connections:write'] },
  ]);
}

/** Moves the clock jose's JWKS cache reads (`Date.now`) forward; token checks keep real time. */
const realNow = Date.now.bind(Date);
function advanceCacheClock(ms: number) {
  const offset = Date.now() - realNow() + ms;
  vi.spyOn(Date, 'now').mockImplementation(() => realNow() + offset);
}

describe('JWTs verified against an identity provider JWKS', () => {
  let rsa: IdpKey;
  let ec: IdpKey;
  let idp: Idp;
  let gw: Gw;
  let staticEc: { privateKey: CryptoKey; kid: string; alg: 'ES256' };

  beforeAll(async () => {
    [rsa, ec] = await Promise.all([newIdpKey('RS256'), newIdpKey('ES256')]);
    idp = await startIdp([rsa, ec]);
    const { ecKey } = await getHarness();
    staticEc = { privateKey: ecKey.privateKey, kid: 'static', alg: 'ES256' };
    gw = await gatewayWith({
      jwtJwksUrl: idp.url,
      jwtIssuer: ISSUER,
      jwtAudience: AUDIENCE,
      jwtSecret: TEST_JWT_SECRET,
      jwtPublicKey: ecKey.publicKeyPem,
    });
  });
  afterAll(async () => {
    await gw.close();
    await idp.close();
  });

  it('accepts RS256 and ES256 tokens signed by a served key, with the right iss and aud', async () => {
    const w = await oesWorld();
    for (const key of [rsa, ec]) {
      const sub = `idp|${randomUUID()}`;
      const claims = { sub, iss: ISSUER, aud: [AUDIENCE, 'other'], memberships: writer(w) };
      const token = await signWith(key, claims);
      await expectAccepted(gw, w, token, key.alg);
      expect((await gw.exec(OES_LIST, { id: w.tenantId }, token)).errors).toBeUndefined();
      const m = await gw.exec(
        UPDATE_OES,
        { enterpriseId: w.tenantId, connectionId: w.connectionId, input: { name: sub } },
        token,
      );
      expect(m.data!.updateOesConnection.__typename).toBe('UpdateOesConnectionSuccess');
      const { database } = await getHarness();
      const event = await database.db
        .selectFrom('audit_events')
        .select(['actor_id', 'actor_kind'])
        .where('resource_id', '=', w.connectionId)
        .orderBy('to_version', 'desc')
        .executeTakeFirstOrThrow();
      expect(event).toEqual({ actor_id: sub, actor_kind: 'jwt' });
    }
    // The set was fetched once and is cached.
    expect(idp.hits()).toBe(1);
  });

  it('refuses a wrong or missing iss or aud in every mode: JWKS, JWT_PUBLIC_KEY, HS256', async () => {
    const w = await oesWorld();
    const hs256 = (claims: Record<string, unknown>) =>
      new SignJWT({ exp: inSeconds(300), ...claims })
        .setProtectedHeader({ alg: 'HS256' })
        .sign(secret);
    const signers = {
      jwks: (claims: Record<string, unknown>) => signWith(rsa, claims),
      publicKey: (claims: Record<string, unknown>) => signWith(staticEc, claims),
      hs256,
    };
    for (const [mode, sign] of Object.entries(signers)) {
      const base = { sub: 'u', memberships: writer(w) };
      await expectAccepted(gw, w, await sign({ ...base, iss: ISSUER, aud: AUDIENCE }), mode);
      for (const [label, claims] of Object.entries({
        'wrong aud': { ...base, iss: ISSUER, aud: 'https://other-api.example.test' },
        'missing aud': { ...base, iss: ISSUER },
        'wrong iss': { ...base, iss: 'https://evil.example.test/', aud: AUDIENCE },
        'missing iss': { ...base, aud: AUDIENCE },
      })) {
        await expectRefused(gw, w, await sign(claims), `${mode}: ${label}`);
      }
    }
    expect(gw.refusals()).toContain('claim aud refused (check_failed)');
    expect(gw.refusals()).toContain('claim iss refused (check_failed)');
  });

  it('refuses a token signed by a key the IdP does not serve', async () => {
    const w = await oesWorld();
    const claims = { sub: 'u', iss: ISSUER, aud: AUDIENCE, memberships: writer(w) };
    const stranger = await newIdpKey('RS256');
    // Unknown kid; and a served kid on a token signed with another key.
    await expectRefused(gw, w, await signWith(stranger, claims), 'unknown kid');
    await expectRefused(gw, w, await signWith({ ...stranger, kid: rsa.kid }, claims), 'forged kid');
  });

  it('refuses algorithm confusion and alg none, without asking the IdP', async () => {
    const w = await oesWorld();
    const jwksOnly = await gatewayWith({ jwtJwksUrl: idp.url, jwtAudience: AUDIENCE });
    try {
      const claims = { sub: 'u', iss: ISSUER, aud: AUDIENCE, memberships: writer(w) };
      const pem = createPublicKey({ key: rsa.jwk, format: 'jwk' }).export({
        type: 'spki',
        format: 'pem',
      });
      const hits = idp.hits();
      const confused = {
        'HS256 with the PEM': await new SignJWT({ ...claims, exp: inSeconds(300) })
          .setProtectedHeader({ alg: 'HS256', kid: rsa.kid })
          .sign(new TextEncoder().encode(String(pem))),
        'HS256 with the JWK': await new SignJWT({ ...claims, exp: inSeconds(300) })
          .setProtectedHeader({ alg: 'HS256', kid: rsa.kid })
          .sign(new TextEncoder().encode(JSON.stringify(rsa.jwk))),
        none: `${b64({ alg: 'none', kid: rsa.kid })}.${b64({ ...claims, exp: inSeconds(300) })}.`,
        'no alg': `${b64({ kid: rsa.kid })}.${b64({ ...claims, exp: inSeconds(300) })}.`,
        'alg an essay': `${b64({ alg: 'RS256\n'.repeat(500) })}.${b64({ ...claims, exp: inSeconds(300) })}.`,
      };
      for (const [label, token] of Object.entries(confused)) {
        await expectRefused(jwksOnly, w, token, label);
        await expectRefused(gw, w, token, `with JWT_SECRET too: ${label}`);
      }
      expect(jwksOnly.refusals()).toContain('algorithm HS256 not accepted');
      expect(jwksOnly.refusals()).toContain('algorithm none not accepted');
      expect(jwksOnly.refusals()).toContain('algorithm (invalid) not accepted');
      expect(idp.hits()).toBe(hits);
    } finally {
      await jwksOnly.close();
    }
  });

  it('refuses expired and not-yet-valid tokens, allowing 5 s of clock skew', async () => {
    const w = await oesWorld();
    const claims = { sub: 'u', iss: ISSUER, aud: AUDIENCE, memberships: writer(w) };
    await expectRefused(gw, w, await signWith(rsa, { ...claims, exp: inSeconds(-10) }), 'exp');
    await expectRefused(gw, w, await signWith(rsa, { ...claims, nbf: inSeconds(10) }), 'nbf');
    await expectAccepted(gw, w, await signWith(rsa, { ...claims, exp: inSeconds(-2) }), 'skew');
    await expectAccepted(gw, w, await signWith(rsa, { ...claims, nbf: inSeconds(2) }), 'skew');
    const noExp = await new SignJWT(claims)
      .setProtectedHeader({ alg: 'RS256', kid: rsa.kid })
      .sign(rsa.privateKey);
    await expectRefused(gw, w, noExp, 'no exp');
  });
});

describe('JWKS caching and key rotation', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('picks up a key rotated at the IdP without a restart, and drops a removed key', async () => {
    const w = await oesWorld();
    const [k1, k2] = await Promise.all([newIdpKey('RS256'), newIdpKey('ES256')]);
    const idp = await startIdp([k1]);
    const gw = await gatewayWith({ jwtJwksUrl: idp.url });
    try {
      const claims = { sub: 'u', memberships: writer(w) };
      await expectAccepted(gw, w, await signWith(k1, claims), 'k1');
      expect(idp.hits()).toBe(1);

      idp.serve([k1, k2]);
      // Within the cooldown after the last fetch, an unknown kid is refused without a fetch.
      await expectRefused(gw, w, await signWith(k2, claims), 'k2 during cooldown');
      expect(idp.hits()).toBe(1);
      advanceCacheClock(JWKS_COOLDOWN_MS + 1_000);
      await expectAccepted(gw, w, await signWith(k2, claims), 'k2 after cooldown');
      await expectAccepted(gw, w, await signWith(k1, claims), 'k1 still served');
      expect(idp.hits()).toBe(2);

      // The IdP drops k1: once the cached set is older than its max age, k1 is refused.
      idp.serve([k2]);
      advanceCacheClock(JWKS_MAX_AGE_MS);
      await expectRefused(gw, w, await signWith(k1, claims), 'k1 removed');
      await expectAccepted(gw, w, await signWith(k2, claims), 'k2');
      expect(idp.hits()).toBe(3);
    } finally {
      await gw.close();
      await idp.close();
    }
  });

  it('a burst of unknown kids costs the IdP at most one fetch per cooldown', async () => {
    const w = await oesWorld();
    const served = await newIdpKey('RS256');
    const idp = await startIdp([served]);
    const gw = await gatewayWith({ jwtJwksUrl: idp.url });
    const strangers = await Promise.all(
      Array.from({ length: 5 }, () => newIdpKey('RS256', randomUUID())),
    );
    const claims = { sub: 'u', memberships: writer(w) };
    const burst = async (n: number) => {
      const tokens = await Promise.all(
        Array.from({ length: n }, (_, i) =>
          signWith({ ...strangers[i % strangers.length], kid: randomUUID() }, claims),
        ),
      );
      const results = await Promise.all(tokens.map((t) => gw.exec(VIEWER, {}, t)));
      for (const r of results) expect((r as GqlResult).data!.viewer).toBeNull();
    };
    try {
      // Cold start: concurrent tokens share one fetch.
      await burst(40);
      expect(idp.hits()).toBe(1);
      await expectAccepted(gw, w, await signWith(served, claims), 'served key');
      await burst(40);
      await burst(40);
      expect(idp.hits()).toBe(1);
      for (let window = 2; window <= 4; window++) {
        advanceCacheClock(JWKS_COOLDOWN_MS + 1_000);
        await burst(40);
        await burst(10);
        expect(idp.hits()).toBe(window);
      }
      await expectAccepted(gw, w, await signWith(served, claims), 'served key');
    } finally {
      await gw.close();
      await idp.close();
    }
  });

  it('while the IdP fails: keeps the last keys it served and asks it again once per cooldown', async () => {
    const w = await oesWorld();
    const [k1, k2] = await Promise.all([newIdpKey('RS256'), newIdpKey('RS256')]);
    const idp = await startIdp([k1]);
    const gw = await gatewayWith({ jwtJwksUrl: idp.url });
    const claims = { sub: 'u', memberships: writer(w) };
    const unknownKid = () => signWith({ ...k2, kid: randomUUID() }, claims);
    try {
      await expectAccepted(gw, w, await signWith(k1, claims), 'k1');
      idp.failing(true);
      // The cached set is stale: the refetch fails, the last set still verifies k1.
      advanceCacheClock(JWKS_MAX_AGE_MS + 1_000);
      await expectAccepted(gw, w, await signWith(k1, claims), 'k1 while the IdP fails');
      expect(idp.hits()).toBe(2);
      const tokens = await Promise.all([
        ...Array.from({ length: 20 }, unknownKid),
        ...Array.from({ length: 5 }, () => signWith(k1, claims)),
      ]);
      const viewers = await Promise.all(tokens.map((t) => gw.exec(VIEWER, {}, t)));
      expect(viewers.filter((r) => r.data!.viewer !== null)).toHaveLength(5);
      expect(idp.hits()).toBe(2);

      advanceCacheClock(JWKS_COOLDOWN_MS + 1_000);
      for (let i = 0; i < 10; i++) await expectRefused(gw, w, await unknownKid(), 'unknown');
      expect(idp.hits()).toBe(3);

      // The IdP recovers with a new key: picked up after the pause.
      idp.failing(false);
      idp.serve([k1, k2]);
      await expectRefused(gw, w, await signWith(k2, claims), 'k2 during the pause');
      advanceCacheClock(JWKS_COOLDOWN_MS + 1_000);
      await expectAccepted(gw, w, await signWith(k2, claims), 'k2 after the pause');
      expect(idp.hits()).toBe(4);
    } finally {
      await gw.close();
      await idp.close();
    }
  });
});

describe('an unreachable identity provider', () => {
  it('refuses quickly when nothing listens at the JWKS URL', async () => {
    const w = await oesWorld();
    const gw = await gatewayWith({ jwtJwksUrl: await closedPortUrl() });
    try {
      const token = await signWith(await newIdpKey('RS256'), { sub: 'u', memberships: [] });
      const started = performance.now();
      await expectRefused(gw, w, token, 'closed port');
      expect(performance.now() - started).toBeLessThan(3_000);
      expect(gw.refusals()[0]).toMatch(/^JWKS unavailable/);
    } finally {
      await gw.close();
    }
  });

  it('refuses within the fetch timeout when the IdP never answers, with no 5xx over HTTP', async () => {
    const w = await oesWorld();
    const idp = await startIdp([], { hang: true });
    const gw = await gatewayWith({ jwtJwksUrl: idp.url });
    const http = createHttpServer({
      gateway: gw.gateway,
      logger: pino({ level: 'silent' }),
      ping: async () => true,
    });
    await new Promise<void>((resolve) => http.server.listen(0, '127.0.0.1', resolve));
    try {
      const token = await signWith(await newIdpKey('ES256'), { sub: 'u', memberships: [] });
      let started = performance.now();
      const viewer = await gw.exec(VIEWER, {}, token);
      expect(viewer.data!.viewer).toBeNull();
      expect(performance.now() - started).toBeLessThan(3_000);
      expect(gw.refusals()).toEqual(['JWKS fetch timed out']);

      // Within the pause after a failed fetch, the IdP is not asked again: refused at once.
      started = performance.now();
      const { port } = http.server.address() as AddressInfo;
      const res = await fetch(`http://127.0.0.1:${port}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({
          query: UPDATE_OES,
          variables: {
            enterpriseId: w.tenantId,
            connectionId: w.connectionId,
            input: { name: 'x' },
          },
        }),
      });
      expect(res.status).toBe(200);
      const body = (await res.json()) as GqlResult;
      expect(body.data!.updateOesConnection.__typename).toBe('AuthenticationError');
      expect(performance.now() - started).toBeLessThan(500);
      expect(idp.hits()).toBe(1);
    } finally {
      await http.drain({ announceMs: 0, graceMs: 1_000 });
      await gw.close();
      await idp.close();
    }
  });
});

describe.skipIf(!onServer)('the gateway process with an identity provider', () => {
  it('takes JWT_JWKS_URL, JWT_ISSUER, JWT_AUDIENCE and the claims mapping from its environment', async () => {
    const w = await oesWorld();
    const key = await newIdpKey('ES256');
    const idp = await startIdp([key]);
    const gw = await spawnGateway({
      DATABASE_URL: process.env.TEST_DATABASE_URL!,
      SECRETS_KEY: TEST_SECRETS_KEY_ENV,
      JWT_JWKS_URL: idp.url,
      JWT_ISSUER: ISSUER,
      JWT_AUDIENCE: AUDIENCE,
      JWT_TENANT_CLAIM: 'org_id',
      JWT_PERMISSIONS_CLAIM: 'permissions',
    });
    try {
      const claims = {
        sub: 'auth0|1',
        iss: ISSUER,
        org_id: w.tenantId,
        permissions: ['connections:read'],
      };
      const token = await signWith(key, { ...claims, aud: AUDIENCE });
      const ok = await postGraphQL(gw.base, VIEWER, {}, token);
      expect(ok.body.data.viewer).toEqual({
        id: 'auth0|1',
        kind: 'jwt',
        memberships: [{ tenantId: w.tenantId, permissions: ['connections:read'] }],
      });
      const otherApi = await signWith(key, { ...claims, aud: 'https://other-api.example.test' });
      expect((await postGraphQL(gw.base, VIEWER, {}, otherApi)).body.data.viewer).toBeNull();
      expect(idp.hits()).toBe(1);
    } finally {
      gw.proc.kill('SIGTERM');
      await gw.exited;
      await idp.close();
    }
  });
});
