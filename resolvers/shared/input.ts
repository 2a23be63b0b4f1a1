/**
 * Copies only the fields the caller actually sent from a type-graphql input object, keeping
 * an explicit `null` apart from an absent field (PATCH semantics depend on it).
 */
export function inputFields<T extends object, K extends keyof T>(
  input: T,
  keys: readonly K[],
): Pick<T, K> {
  const out = {} as Pick<T, K>;
  for (const key of keys) {
    if (Object.prototype.hasOwnProperty.call(input, key) && input[key] !== undefined)
      out[key] = input[key];
  }
  return out;
}

/** The field names of an input class. */
export type FieldsOf<T> = Exclude<keyof T, symbol>;
