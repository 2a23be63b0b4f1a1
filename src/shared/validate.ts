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

/**
 * A display name: trimmed, then `min`–`max` characters, no control characters. Returns the
 * trimmed value (or undefined when it was rejected).
 */
export function checkName(
  path: string[],
  value: string,
  errors: FieldError[],
  { min = 1, max = 200 }: { min?: number; max?: number } = {},
): string | undefined {
  const name = value.trim();
  const before = errors.length;
  if (name.length === 0) errors.push({ path, code: 'BLANK', message: 'must not be blank' });
  else if (name.length < min) {
    errors.push({ path, code: 'TOO_SHORT', message: `must be at least ${min} characters` });
  } else if (name.length > max) {
    errors.push({ path, code: 'TOO_LONG', message: `must be at most ${max} characters` });
  }
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
