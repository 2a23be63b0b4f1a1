import { createPublicKey, type KeyObject } from 'node:crypto';
import {
  createLocalJWKSet,
  createRemoteJWKSet,
  decodeProtectedHeader,
  errors as joseErrors,
  jwtVerify,
  type JWTPayload,
  type JWTVerifyGetKey,
} from 'jose';
import { isTenantId } from '../shared/validate.js';
import { membershipsFrom, type Principal } from './principal.js';

export interface JwtVerifier {
  verify(token: string): Promise<Principal | { failure: string }>;
}

/**
 * Where a token's memberships come from: one claim holding `[{ tenantId, permissions }]`
 * (default `memberships`, or a namespaced custom claim), or a tenant claim and a permissions
 * claim that together give the principal one membership (Auth0 Organizations: `org_id` +
 * `permissions`).
 */
export type ClaimsMapping =
  { membershipsClaim: string } | { tenantClaim: string; permissionsClaim: string };

export interface JwtVerifierOptions {
  /** HS256 shared secret. */
  secret?: string;
  /** One RS256 (RSA) or ES256 (P-256) public key, PEM. */
  publicKeyPem?: string;
  /** An identity provider's JWKS document; its RS256 / ES256 keys verify tokens. */
  jwksUrl?: string;
  /** When set, `iss` must equal it (every mode). */
  issuer?: string;
  /** When set, `aud` must be or contain it (every mode). */
  audience?: string;
  claims?: ClaimsMapping;
  /** How long one JWKS fetch may take before the token is refused. */
  jwksTimeoutMs?: number;
}

/** Clock skew allowed between the token issuer and us, on `exp` and `nbf`. */
export const JWT_CLOCK_TOLERANCE_S = 5;
/** A JWKS fetch that takes longer is abandoned and the token refused. */
export const JWKS_TIMEOUT_MS = 2_000;
/** At most one JWKS refetch per this long for tokens whose `kid` the cached set lacks. */
export const JWKS_COOLDOWN_MS = 30_000;
/** The cached JWKS is refetched on first use after this long (keys removed at the IdP go). */
export const JWKS_MAX_AGE_MS = 10 * 60_000;
/** Longest `sub` we take: it is stored in every audit event the principal writes. */
const MAX_SUBJECT_LENGTH = 255;

type Key = Uint8Array | KeyObject | JWTVerifyGetKey;

/**
 * Verifies gateway JWTs with `jose`: HS256 with `JWT_SECRET`, RS256 / ES256 with a configured
 * public key, and RS256 / ES256 with the keys an identity provider serves as a JWKS. A token
 * is checked only against the keys whose algorithm its header names, so `none` and
 * algorithm-confusion tokens (HS256 signed with a public key's bytes) are refused before any
 * key is tried or fetched. `exp` and `sub` are required; `iss` and `aud` must match when
 * configured. Every claim string that reaches the database (`sub`, tenant ids) is checked
 * here, so a malformed one refuses the token instead of failing a query.
 */
export function createJwtVerifier(options: JwtVerifierOptions): JwtVerifier {
  const keys: { key: Key; algorithms: string[] }[] = [];
  if (options.secret) {
    keys.push({ key: new TextEncoder().encode(options.secret), algorithms: ['HS256'] });
  }
  if (options.publicKeyPem) {
    const key = createPublicKey(options.publicKeyPem);
    const alg =
      key.asymmetricKeyType === 'rsa' ? 'RS256' : key.asymmetricKeyType === 'ec' ? 'ES256' : null;
    if (!alg) throw new Error('JWT_PUBLIC_KEY must be an RSA or P-256 EC key');
    keys.push({ key, algorithms: [alg] });
  }
  if (options.jwksUrl) {
    keys.push({
      key: identityProviderKeys(new URL(options.jwksUrl), options.jwksTimeoutMs ?? JWKS_TIMEOUT_MS),
      algorithms: ['RS256', 'ES256'],
    });
  }
  const claims: ClaimsMapping = options.claims ?? { membershipsClaim: 'memberships' };
  const checks = {
    requiredClaims: ['exp', 'sub'],
    issuer: options.issuer,
    audience: options.audience,
    clockTolerance: JWT_CLOCK_TOLERANCE_S,
  };

  return {
    async verify(token) {
      if (keys.length === 0) return { failure: 'JWTs are not enabled on this gateway' };
      let alg: unknown;
      try {
        alg = decodeProtectedHeader(token).alg;
      } catch {
        return { failure: 'malformed token' };
      }
      const candidates = keys.filter((k) => typeof alg === 'string' && k.algorithms.includes(alg));
      if (candidates.length === 0) {
        // The header is the caller's: only a short plain name goes into the log.
        const name = typeof alg === 'string' && /^[A-Za-z0-9]{1,16}$/.test(alg) ? alg : '(invalid)';
        return { failure: `algorithm ${name} not accepted` };
      }

      let lastFailure = 'invalid token';
      for (const { key, algorithms } of candidates) {
        let payload: JWTPayload;
        try {
          const verifyOptions = { ...checks, algorithms };
          ({ payload } =
            typeof key === 'function'
              ? await jwtVerify(token, key, verifyOptions)
              : await jwtVerify(token, key, verifyOptions));
        } catch (error) {
          lastFailure = failureReason(error);
          continue;
        }
        return principalFrom(payload, claims);
      }
      return { failure: lastFailure };
    },
  };
}

/**
 * The keys an identity provider serves at `url`, for `jwtVerify`.
 *
 * jose's remote set (jose/dist/webapi/jwks/remote.js) does the caching: the fetched set is
 * refetched on first use once older than `cacheMaxAge`; a token whose `kid` the cached set
 * lacks triggers a refetch only when the last *successful* fetch is older than
 * `cooldownDuration` (otherwise it is refused at once), and concurrent refetches share one
 * request. So a new key at the IdP is picked up without a restart, and a burst of unknown
 * `kid`s costs the IdP at most one request per cooldown. `timeoutDuration` aborts a fetch
 * (body included) so an unreachable IdP answers quickly; redirects are not followed.
 *
 * What jose leaves to us is a *failed* fetch: it does not count towards the cooldown, so
 * while the IdP fails every unknown `kid` (and, once the set is stale, every token) would
 * ask it again, and a stale set is dropped although its keys are the best we know. So after
 * a failed fetch we do not ask the IdP again for one cooldown, and meanwhile verify with the
 * last set we fetched, if any (a key the IdP removed stays usable only while we cannot
 * reach it).
 */
function identityProviderKeys(url: URL, timeoutMs: number): JWTVerifyGetKey {
  const remote = createRemoteJWKSet(url, {
    timeoutDuration: timeoutMs,
    cooldownDuration: JWKS_COOLDOWN_MS,
    cacheMaxAge: JWKS_MAX_AGE_MS,
  });
  let failedAt = Number.NEGATIVE_INFINITY;
  let lastKnown: JWTVerifyGetKey | undefined;
  const fromLastKnown: JWTVerifyGetKey = (header, token) => {
    if (!lastKnown) throw new joseErrors.JOSEError('JWKS unavailable (retrying after a pause)');
    return lastKnown(header, token);
  };
  return async (header, token) => {
    if (Date.now() - failedAt < JWKS_COOLDOWN_MS) return fromLastKnown(header, token);
    try {
      return await remote(header, token);
    } catch (error) {
      // No key for the token in a set we have: the token's problem, not the IdP's.
      if (
        error instanceof joseErrors.JWKSNoMatchingKey ||
        error instanceof joseErrors.JWKSMultipleMatchingKeys ||
        error instanceof joseErrors.JOSENotSupported
      ) {
        throw error;
      }
      failedAt = Date.now();
      const jwks = remote.jwks();
      if (!jwks) throw error;
      lastKnown = createLocalJWKSet(jwks);
      return fromLastKnown(header, token);
    }
  };
}

/** Why verification failed, for the log (never sent to the caller). */
function failureReason(error: unknown): string {
  if (error instanceof joseErrors.JWTExpired) return 'token expired';
  if (error instanceof joseErrors.JWTClaimValidationFailed) {
    return `claim ${error.claim} refused (${error.reason})`;
  }
  if (error instanceof joseErrors.JWKSTimeout) return 'JWKS fetch timed out';
  if (error instanceof joseErrors.JOSEError) {
    return error.code === 'ERR_JOSE_GENERIC' ? error.message : error.code;
  }
  // fetch() itself failed: connection refused, DNS, TLS.
  return `JWKS unavailable: ${error instanceof Error ? error.message : String(error)}`;
}

function principalFrom(
  payload: JWTPayload,
  claims: ClaimsMapping,
): Principal | { failure: string } {
  if (!isClaimText(payload.sub, MAX_SUBJECT_LENGTH)) return { failure: 'invalid sub claim' };
  const memberships =
    'membershipsClaim' in claims
      ? parseMemberships(payload[claims.membershipsClaim])
      : parseTenantAndPermissions(payload[claims.tenantClaim], payload[claims.permissionsClaim]);
  if (!memberships) return { failure: 'invalid memberships claims' };
  return {
    id: payload.sub,
    kind: 'jwt',
    credentialId: isClaimText(payload.jti, MAX_SUBJECT_LENGTH) ? payload.jti : null,
    memberships,
  };
}

/**
 * A claim string we may store and compare in SQL: not empty, not too long, no control
 * characters (PostgreSQL `text` refuses U+0000) and no lone surrogate (which has no UTF-8
 * form, so the driver would store something else than what was signed).
 */
function isClaimText(value: unknown, maxLength: number): value is string {
  return (
    typeof value === 'string' &&
    value.length > 0 &&
    value.length <= maxLength &&
    !/[\p{Cc}\p{Cs}]/u.test(value)
  );
}

const isStringArray = (value: unknown): value is string[] =>
  Array.isArray(value) && value.every((p) => typeof p === 'string');

/**
 * `[{ tenantId, permissions: [..] }]`; absent = no memberships. A tenant id that cannot be a
 * tenant's id refuses the token (it would otherwise reach tenant-scoped queries); a
 * permission we do not know is dropped.
 */
function parseMemberships(claim: unknown): Principal['memberships'] | null {
  if (claim === undefined) return new Map();
  if (!Array.isArray(claim)) return null;
  const entries: { tenantId: string; permissions: string[] }[] = [];
  for (const m of claim) {
    if (
      typeof m !== 'object' ||
      m === null ||
      typeof m.tenantId !== 'string' ||
      !isTenantId(m.tenantId) ||
      !isStringArray(m.permissions)
    ) {
      return null;
    }
    entries.push({ tenantId: m.tenantId, permissions: m.permissions });
  }
  return membershipsFrom(entries);
}

/**
 * One membership from a tenant claim and a permissions claim (a list of strings, or one
 * space-separated string as in OAuth `scope`). No tenant claim = no memberships; no
 * permissions claim = a member without permissions.
 */
function parseTenantAndPermissions(
  tenant: unknown,
  permissions: unknown,
): Principal['memberships'] | null {
  if (tenant === undefined) return new Map();
  if (typeof tenant !== 'string' || !isTenantId(tenant)) return null;
  const list =
    permissions === undefined
      ? []
      : typeof permissions === 'string'
        ? permissions.split(' ').filter(Boolean)
        : permissions;
  if (!isStringArray(list)) return null;
  return membershipsFrom([{ tenantId: tenant, permissions: list }]);
}
