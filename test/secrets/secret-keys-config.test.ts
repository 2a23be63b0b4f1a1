import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { parseSecretKeys } from '../../src/config.js';

describe('SECRETS_KEY', () => {
  const key = randomBytes(32).toString('base64');

  it('takes one key (id k1) or a ring of <id>:<base64> entries, the first sealing', () => {
    expect(parseSecretKeys(key)).toEqual([{ id: 'k1', key: Buffer.from(key, 'base64') }]);
    const other = randomBytes(32).toString('base64');
    const ring = parseSecretKeys(`new:${other}, old:${key}`);
    expect(ring).toEqual([
      { id: 'new', key: Buffer.from(other, 'base64') },
      { id: 'old', key: Buffer.from(key, 'base64') },
    ]);
  });

  it('refuses an entry written the wrong way round without repeating the key', () => {
    const refusal = parseSecretKeys(`${key}:k1`);
    expect(typeof refusal).toBe('string');
    expect(refusal).toMatch(/entry 1 .*<id>:<base64 key>/);
    expect(refusal).not.toContain(key.slice(0, 12));
  });

  it('refuses a short key, a repeated id and an empty value, naming only the id', () => {
    expect(parseSecretKeys(`a:${randomBytes(16).toString('base64')}`)).toMatch(
      /key "a" must be 32 bytes in base64 \(got 16 bytes\)/,
    );
    expect(parseSecretKeys(`a:${key},a:${key}`)).toMatch(/key id "a" appears twice/);
    expect(parseSecretKeys(' , ')).toBe('SECRETS_KEY is empty');
  });
});
