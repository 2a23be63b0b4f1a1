import {
  createCipheriv,
  createDecipheriv,
  createHash,
  createHmac,
  hkdfSync,
  randomBytes,
  timingSafeEqual,
} from 'node:crypto';

/** What a sealed secret is bound to: opening it under any other context fails. */
export interface SecretContext {
  tenantId: string;
  resourceType: string;
  resourceId: string;
  field: string;
}

const VERSION = 'v1';

/**
 * AES-256-GCM envelope encryption. Each secret gets its own random data key; the data key is
 * wrapped with a key-encryption key named by id, so keys rotate by adding a new first key
 * (old secrets still open) and re-wrapping (`rewrap` touches only the wrapped data key).
 * Both layers authenticate the secret's context (tenant, resource, field), so a ciphertext
 * copied to another row, field or tenant does not open.
 *
 * Sealed form: `v1.<keyId>.<wrapIv>.<wrappedKey>.<iv>.<ciphertext>` (base64url; each
 * ciphertext part ends with its 16-byte GCM tag).
 */
export class SecretBox {
  readonly #keys: Map<string, Buffer>;
  readonly #activeId: string;

  constructor(keys: { id: string; key: Buffer }[]) {
    if (keys.length === 0) throw new Error('SecretBox needs at least one key');
    this.#keys = new Map(keys.map((k) => [k.id, k.key]));
    this.#activeId = keys[0].id;
  }

  #fingerprintKey: Buffer | undefined;

  /**
   * A keyed hash (HMAC-SHA256, base64url) of a secret, for telling whether two requests carry
   * the same secret without storing it: the key is derived (HKDF) from the active key, so the
   * hash cannot be checked against guesses without the secrets key. It changes when the
   * active key does.
   */
  fingerprint(secret: string): string {
    this.#fingerprintKey ??= Buffer.from(
      hkdfSync('sha256', this.#keys.get(this.#activeId)!, '', 'cgw secret fingerprint v1', 32),
    );
    return createHmac('sha256', this.#fingerprintKey).update(secret, 'utf8').digest('base64url');
  }

  get activeKeyId(): string {
    return this.#activeId;
  }

  seal(plaintext: string, context: SecretContext): string {
    const aad = aadOf(context);
    const dataKey = randomBytes(32);
    const [iv, ciphertext] = encrypt(dataKey, Buffer.from(plaintext, 'utf8'), aad);
    const [wrapIv, wrapped] = encrypt(this.#keys.get(this.#activeId)!, dataKey, aad);
    return [VERSION, this.#activeId, wrapIv, wrapped, iv, ciphertext]
      .map((part) => (typeof part === 'string' ? part : part.toString('base64url')))
      .join('.');
  }

  open(sealed: string, context: SecretContext): string {
    const aad = aadOf(context);
    const { keyId, wrapIv, wrapped, iv, ciphertext } = parse(sealed);
    const kek = this.#keys.get(keyId);
    if (!kek) throw new Error(`secret sealed with unknown key id "${keyId}"`);
    const dataKey = decrypt(kek, wrapIv, wrapped, aad);
    return decrypt(dataKey, iv, ciphertext, aad).toString('utf8');
  }

  /**
   * Whether a sealed value holds `plaintext` (compared in constant time), for telling whether
   * a replacement changes a secret. `'unreadable'` when it does not open under this key ring
   * and context (a retired key, a tampered value): callers treat that as a change.
   */
  compare(
    sealed: string,
    plaintext: string,
    context: SecretContext,
  ): 'same' | 'different' | 'unreadable' {
    let stored: string;
    try {
      stored = this.open(sealed, context);
    } catch {
      return 'unreadable';
    }
    const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();
    return timingSafeEqual(digest(stored), digest(plaintext)) ? 'same' : 'different';
  }

  /** The key id a sealed value was wrapped with. */
  keyIdOf(sealed: string): string {
    return parse(sealed).keyId;
  }

  /** Re-wraps the data key under the active key; the secret itself is not re-encrypted. */
  rewrap(sealed: string, context: SecretContext): string {
    const aad = aadOf(context);
    const { keyId, wrapIv, wrapped, iv, ciphertext } = parse(sealed);
    if (keyId === this.#activeId) return sealed;
    const kek = this.#keys.get(keyId);
    if (!kek) throw new Error(`secret sealed with unknown key id "${keyId}"`);
    const dataKey = decrypt(kek, wrapIv, wrapped, aad);
    const [newWrapIv, newWrapped] = encrypt(this.#keys.get(this.#activeId)!, dataKey, aad);
    return [
      VERSION,
      this.#activeId,
      newWrapIv.toString('base64url'),
      newWrapped.toString('base64url'),
      iv.toString('base64url'),
      ciphertext.toString('base64url'),
    ].join('.');
  }
}

function aadOf(c: SecretContext): Buffer {
  return Buffer.from([c.tenantId, c.resourceType, c.resourceId, c.field].join('\u0000'), 'utf8');
}

function encrypt(key: Buffer, plaintext: Buffer, aad: Buffer): [Buffer, Buffer] {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(aad);
  const body = Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
  return [iv, body];
}

function decrypt(key: Buffer, iv: Buffer, body: Buffer, aad: Buffer): Buffer {
  if (body.length < 16) throw new Error('sealed secret is truncated');
  const decipher = createDecipheriv('aes-256-gcm', key, iv);
  decipher.setAAD(aad);
  decipher.setAuthTag(body.subarray(body.length - 16));
  return Buffer.concat([decipher.update(body.subarray(0, body.length - 16)), decipher.final()]);
}

function parse(sealed: string) {
  const parts = sealed.split('.');
  if (parts.length !== 6 || parts[0] !== VERSION) throw new Error('not a sealed secret');
  const [, keyId, wrapIv, wrapped, iv, ciphertext] = parts;
  const b = (s: string) => Buffer.from(s, 'base64url');
  return { keyId, wrapIv: b(wrapIv), wrapped: b(wrapped), iv: b(iv), ciphertext: b(ciphertext) };
}
