import { GraphQLError } from 'graphql';
import type { Result } from '../../src/shared/result.js';

/**
 * Queries fail the usual GraphQL way: missing → `null`, no credentials → UNAUTHENTICATED,
 * not allowed → FORBIDDEN, bad arguments (`first`, `after`, a tenant id) → BAD_USER_INPUT.
 */
export function unwrapQuery<T>(result: Result<T>): T | null {
  if (result.ok) return result.value;
  const failure = result.error;
  switch (failure.kind) {
    case 'Authentication':
      throw new GraphQLError('Authentication required.', {
        extensions: { code: 'UNAUTHENTICATED' },
      });
    case 'PermissionDenied':
      throw new GraphQLError(
        failure.code === 'LICENSE_REQUIRED'
          ? 'The tenant does not hold the licence this query needs.'
          : 'Not allowed to read connections of this tenant.',
        {
          extensions:
            failure.code === 'LICENSE_REQUIRED'
              ? {
                  code: 'FORBIDDEN',
                  reason: failure.code,
                  requiredLicence: failure.requiredLicence,
                }
              : { code: 'FORBIDDEN', reason: failure.code },
        },
      );
    case 'InvalidInput':
      throw new GraphQLError(
        `Invalid argument: ${failure.fieldErrors.map((e) => `${e.path.join('.')} ${e.message}`).join('; ')}`,
        { extensions: { code: 'BAD_USER_INPUT', fieldErrors: failure.fieldErrors } },
      );
    case 'NotFound':
      return null;
    case 'Conflict':
      throw new Error(`a query returned a conflict: ${failure.reason}`);
  }
}

/** Like `unwrapQuery` for lists and pages, which are never null. */
export function unwrapList<T>(result: Result<T>): T {
  const value = unwrapQuery(result);
  if (value === null) throw new Error('a list query returned not-found');
  return value;
}
