import { createPublicKey, type KeyObject } from 'node:crypto';
import { errors as joseErrors, jwtVerify } from 'jose';
import { membershipsFrom, type Principal } from './principal.js';

export interface JwtVerifier {
  verify(token: string): Promise<Principal | { failure: string }>;
}

/**
 * Verifies gateway JWTs with `jose`: HS256 with `JWT_SECRET` and/or RS256 / ES256 with a
 * configured public key. The algorithm allow-list follows the configured keys (so `none` and
 * algorithm-confusion tokens are refused), `exp` and `sub` are required, and the
 * `memberships` claim must be `[{ tenantId, permissions: [..] }]`.
 */
export function createJwtVerifier(options: {
  secret?: string;
  publicKeyPem?: string;
}): JwtVerifier {
  const keys: { key: Uint8Array | KeyObject; algorithms: string[] }[] = [];
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

  return {
    async verify(token) {
      if (keys.length === 0) return { failure: 'JWTs are not enabled on this gateway' };
      let lastFailure = 'invalid token';
      for (const { key, algorithms } of keys) {
        try {
          const { payload } = await jwtVerify(token, key, {
            algorithms,
            requiredClaims: ['exp', 'sub'],
          });
          const memberships = parseMemberships(payload.memberships);
          if (!memberships) return { failure: 'invalid memberships claim' };
          return {
            id: String(payload.sub),
            kind: 'jwt',
            credentialId: typeof payload.jti === 'string' ? payload.jti : null,
            memberships,
          };
        } catch (error) {
          lastFailure =
            error instanceof joseErrors.JWTExpired
              ? 'token expired'
              : error instanceof joseErrors.JOSEError
                ? error.code
                : 'invalid token';
        }
      }
      return { failure: lastFailure };
    },
  };
}

function parseMemberships(claim: unknown): Principal['memberships'] | null {
  if (claim === undefined) return new Map();
  if (!Array.isArray(claim)) return null;
  const entries: { tenantId: string; permissions: string[] }[] = [];
  for (const m of claim) {
    if (
      typeof m !== 'object' ||
      m === null ||
      typeof m.tenantId !== 'string' ||
      !Array.isArray(m.permissions) ||
      !m.permissions.every((p: unknown) => typeof p === 'string')
    ) {
      return null;
    }
    entries.push({ tenantId: m.tenantId, permissions: m.permissions });
  }
  return membershipsFrom(entries);
}
