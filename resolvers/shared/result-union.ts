import { createUnionType, type ClassType } from 'type-graphql';
import type { Result } from '../../src/shared/result.js';
import { ERROR_TYPES, toErrorResult, type ErrorResult } from './error-result.js';

/**
 * `union <name> = <Success> | InvalidInputError | AuthenticationError | PermissionDeniedError
 * | NotFoundError | ConflictError`. Members resolve by `instanceof`, so resolvers return class
 * instances (`toMutationResult` does).
 */
export function resultUnion<S extends ClassType>(name: string, success: S) {
  return createUnionType({
    name,
    description: `The outcome of ${name.replace(/Result$/, '')}: its success or one error type.`,
    types: () => [success, ...ERROR_TYPES] as const,
  });
}

/** Maps a service result to the success instance or the error instance of the union. */
export function toMutationResult<T, S>(
  result: Result<T>,
  success: (value: T) => S,
): S | ErrorResult {
  return result.ok ? success(result.value) : toErrorResult(result.error);
}
