import type { FieldError } from './result.js';

/**
 * Small pure checks shared by every service's input rules. Each returns the field errors it
 * finds (never throws), so a service can report all problems of one request together.
 */

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const TENANT_ID = /^[a-z0-9][a-z0-9_-]{0,62}$/;
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;

export const isUuid = (value: string): boolean => UUID.test(value);
export const isTenantId = (value: string): boolean => TENANT_ID.test(value);

export function checkUuid(path: string[], value: string, errors: FieldError[]): void {
  if (!isUuid(value)) errors.push({ path, code: 'INVALID_UUID', message: 'must be a UUID' });
}

export function checkTenantId(path: string[], value: string, errors: FieldError[]): void {
  if (!isTenantId(value)) {
    errors.push({
      path,
      code: 'INVALID_ID',
      message:
        'must be 1-63 characters: lowercase letters, digits, "-" or "_", starting with a letter or digit',
    });
  }
}

/** An explicit `null` sent for a field that cannot be cleared. */
export function notNullable(path: string[]): FieldError {
  return { path, code: 'NOT_NULLABLE', message: 'cannot be null' };
}

// eslint-disable-next-line no-control-regex
const NUL = /\u0000/;
/** In a `u` regex a well-formed surrogate pair is one code point, so this finds only lone halves. */
const LONE_SURROGATE = /\p{Cs}/u;

/**
 * The length of a string in code points (what people count as characters), not in UTF-16
 * units: an emoji outside the BMP counts once. Every "at most N characters" rule uses it.
 */
export function codePointLength(value: string): number {
  let length = value.length;
  for (let i = 0; i < value.length - 1; i++) {
    const unit = value.charCodeAt(i);
    if (unit >= 0xd800 && unit <= 0xdbff) {
      const next = value.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        length--;
        i++;
      }
    }
  }
  return length;
}

/**
 * The check every string a mutation stores goes through first: text PostgreSQL can store as
 * given. A NUL (U+0000) is refused by PostgreSQL in `text` and `jsonb`, and a lone surrogate
 * (half of a UTF-16 pair) has no UTF-8 form, so it would be stored as U+FFFD, silently changed.
 * Both are `INVALID_CHARACTERS` at `path` (the message never quotes the value, which may be a
 * secret). Returns whether the value passed.
 */
export function checkText(path: string[], value: string, errors: FieldError[]): boolean {
  if (NUL.test(value)) {
    errors.push({ path, code: 'INVALID_CHARACTERS', message: 'must not contain NUL (U+0000)' });
    return false;
  }
  if (LONE_SURROGATE.test(value)) {
    errors.push({
      path,
      code: 'INVALID_CHARACTERS',
      message: 'must be well-formed Unicode: no unpaired surrogate (U+D800-U+DFFF)',
    });
    return false;
  }
  return true;
}

/**
 * At most `max` characters (code points); `TOO_LONG` otherwise. Returns whether it passed.
 */
export function checkMaxLength(
  path: string[],
  value: string,
  max: number,
  errors: FieldError[],
  { code = 'TOO_LONG', what = '' }: { code?: string; what?: string } = {},
): boolean {
  if (codePointLength(value) <= max) return true;
  errors.push({ path, code, message: `${what}must be at most ${max} characters` });
  return false;
}

/**
 * A display name or an identifier: storable text (`checkText`), trimmed, then `min`–`max`
 * characters (code points), no control characters. A name is normalised to Unicode NFC
 * before it is measured, compared or stored, so the composed and decomposed spellings of one
 * name are one name; `nfc: false` keeps the caller's code points (identifiers another system
 * compares byte for byte: a database's name, user, schema). Returns the value to store (or
 * undefined when it was rejected).
 */
export function checkName(
  path: string[],
  value: string,
  errors: FieldError[],
  { min = 1, max = 200, nfc = true }: { min?: number; max?: number; nfc?: boolean } = {},
): string | undefined {
  if (!checkText(path, value, errors)) return undefined;
  const trimmed = value.trim();
  const name = nfc ? trimmed.normalize('NFC') : trimmed;
  const length = codePointLength(name);
  const before = errors.length;
  if (length === 0) errors.push({ path, code: 'BLANK', message: 'must not be blank' });
  else if (length < min) {
    errors.push({ path, code: 'TOO_SHORT', message: `must be at least ${min} characters` });
  } else checkMaxLength(path, name, max, errors);
  if (CONTROL.test(name)) {
    errors.push({
      path,
      code: 'INVALID_CHARACTERS',
      message: 'must not contain control characters',
    });
  }
  return errors.length === before ? name : undefined;
}

export function checkExpectedVersion(
  path: string[],
  value: number | null | undefined,
  errors: FieldError[],
): void {
  if (value !== undefined && value !== null && value < 1) {
    errors.push({ path, code: 'OUT_OF_RANGE', message: 'must be 1 or more' });
  }
}
