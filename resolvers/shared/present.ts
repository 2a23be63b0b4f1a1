import { mapKnown } from '../../src/tenant-loaders.js';

/**
 * A nested object that must exist (the database's foreign keys say so), as a loader's `get`
 * gives it: the value itself when known, else its promise. Missing is a fault of ours.
 */
export function present<T>(
  value: T | null | Promise<T | null>,
  what: () => string,
): T | Promise<T> {
  return mapKnown(value, found, what);
}

function found<T>(value: T | null, what: () => string): T {
  if (value === null || value === undefined) throw new Error(`${what()} is missing`);
  return value;
}
