import { createHash, randomBytes } from 'node:crypto';

/** Prefix of every gateway API key, so a leaked key is recognisable by secret scanners. */
export const API_KEY_PREFIX = 'cgw_';

/** A new random API key: `cgw_` + 32 random bytes in base64url (256 bits). */
export function generateApiKey(): string {
  return API_KEY_PREFIX + randomBytes(32).toString('base64url');
}

/**
 * The stored form of an API key. Keys are long random strings, not passwords, so one
 * SHA-256 is enough to make the table useless to a thief and keeps the lookup an index hit.
 */
export function hashApiKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}
