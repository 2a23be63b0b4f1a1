import type { Kysely } from 'kysely';
import type { Database } from '../../db/database.js';
import { findApiKeyByHash } from '../../db/queries/identity.js';
import { hashApiKey } from './api-keys.js';
import type { JwtVerifier } from './jwt.js';
import { membershipsFrom, type Principal } from './principal.js';

export type Authentication =
  { principal: Principal; failure: null } | { principal: null; failure: string | null };

/**
 * Turns an `Authorization` header into a principal. No header: anonymous (`failure: null`).
 * A header that does not authenticate: anonymous with the reason, which is logged and never
 * sent to the caller (unknown, revoked and expired keys all look the same from outside).
 * A token with two dots is a JWT; anything else is an API key.
 */
export async function authenticate(
  db: Kysely<Database>,
  jwt: JwtVerifier,
  header: string | undefined,
  now: Date = new Date(),
): Promise<Authentication> {
  if (!header) return { principal: null, failure: null };
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (!match) return { principal: null, failure: 'malformed Authorization header' };
  const token = match[1];

  if (token.split('.').length === 3) {
    const result = await jwt.verify(token);
    return 'failure' in result
      ? { principal: null, failure: result.failure }
      : { principal: result, failure: null };
  }

  if (token.length > 512) return { principal: null, failure: 'unknown API key' };
  const key = await findApiKeyByHash(db, hashApiKey(token));
  if (!key) return { principal: null, failure: 'unknown API key' };
  if (key.revokedAt) return { principal: null, failure: 'revoked API key' };
  if (key.expiresAt && key.expiresAt <= now) return { principal: null, failure: 'expired API key' };
  return {
    principal: {
      id: key.principalId,
      kind: 'api_key',
      credentialId: key.id,
      memberships: membershipsFrom(key.memberships),
    },
    failure: null,
  };
}
