import { Field, ID, Int, InterfaceType, ObjectType, registerEnumType } from 'type-graphql';
import type { ConflictReason as ConflictReasonValue, Failure } from '../../src/shared/result.js';

/** Machine-readable code of every error type (one per type, two for permission denials). */
export enum ErrorCode {
  INVALID_INPUT = 'INVALID_INPUT',
  UNAUTHENTICATED = 'UNAUTHENTICATED',
  PERMISSION_DENIED = 'PERMISSION_DENIED',
  LICENSE_REQUIRED = 'LICENSE_REQUIRED',
  NOT_FOUND = 'NOT_FOUND',
  CONFLICT = 'CONFLICT',
}
registerEnumType(ErrorCode, {
  name: 'ErrorCode',
  description: 'Machine-readable code of an error result.',
});

export enum ConflictReason {
  ACTIVE_JOBS = 'ACTIVE_JOBS',
  VERSION_MISMATCH = 'VERSION_MISMATCH',
  NAME_TAKEN = 'NAME_TAKEN',
  APP_DELETED = 'APP_DELETED',
  IDEMPOTENCY_KEY_REUSED = 'IDEMPOTENCY_KEY_REUSED',
}
registerEnumType(ConflictReason, {
  name: 'ConflictReason',
  description: 'Why a change conflicts with the current state.',
  valuesConfig: {
    ACTIVE_JOBS: { description: 'A job that uses the connection is queued or running.' },
    VERSION_MISMATCH: { description: '`expectedVersion` is not the current version.' },
    NAME_TAKEN: { description: 'Another connection already has this name.' },
    APP_DELETED: { description: 'The App of the connection has been deleted.' },
    IDEMPOTENCY_KEY_REUSED: {
      description:
        'The idempotencyKey was used before (by the same caller, within 24 hours) with other arguments or another operation.',
    },
  },
});

/** GraphQL `interface Error`: the TypeScript class is named so as not to shadow `Error`. */
@InterfaceType('Error', { description: 'An expected failure of a mutation, returned as data.' })
export abstract class ErrorResult {
  @Field(() => String, { description: 'What went wrong, for people.' })
  message!: string;

  @Field(() => ErrorCode, { description: 'What went wrong, for programs.' })
  code!: ErrorCode;
}

@ObjectType({ simpleResolvers: true, description: 'One problem with one input value.' })
export class FieldError {
  @Field(() => [String], {
    description: 'Where the value is in the operation, e.g. ["input","port"].',
  })
  path!: string[];

  @Field(() => String)
  message!: string;

  @Field(() => String, {
    description: 'e.g. REQUIRED, NOT_NULLABLE, TOO_LONG, OUT_OF_RANGE, INVALID_UUID.',
  })
  code!: string;
}

@ObjectType({
  simpleResolvers: true,
  implements: ErrorResult,
  description: 'The input is malformed or breaks a rule (HTTP 400). Lists every problem.',
})
export class InvalidInputError extends ErrorResult {
  @Field(() => [FieldError])
  fieldErrors: FieldError[];

  constructor(fieldErrors: FieldError[]) {
    super();
    this.code = ErrorCode.INVALID_INPUT;
    this.message = `The input is invalid: ${fieldErrors.map((e) => `${e.path.join('.')} ${e.message}`).join('; ')}`;
    this.fieldErrors = fieldErrors;
  }
}

@ObjectType({
  simpleResolvers: true,
  implements: ErrorResult,
  description: 'No or invalid credentials, or the caller is not a member of the tenant (HTTP 401).',
})
export class AuthenticationError extends ErrorResult {
  constructor(message: string) {
    super();
    this.code = ErrorCode.UNAUTHENTICATED;
    this.message = message;
  }
}

@ObjectType({
  simpleResolvers: true,
  implements: ErrorResult,
  description:
    'A member without the permission (PERMISSION_DENIED), or a tenant without the licence (LICENSE_REQUIRED) (HTTP 403).',
})
export class PermissionDeniedError extends ErrorResult {
  @Field(() => [String], { description: 'Any one of these would have been enough.' })
  requiredPermissions: string[];

  constructor(
    code: ErrorCode.PERMISSION_DENIED | ErrorCode.LICENSE_REQUIRED,
    requiredPermissions: string[],
  ) {
    super();
    this.code = code;
    this.message =
      code === ErrorCode.LICENSE_REQUIRED
        ? 'The tenant does not hold the licence this operation needs.'
        : `Permission denied: needs one of ${requiredPermissions.join(', ')}.`;
    this.requiredPermissions = requiredPermissions;
  }
}

@ObjectType({
  simpleResolvers: true,
  implements: ErrorResult,
  description: 'The resource does not exist in that tenant (HTTP 404).',
})
export class NotFoundError extends ErrorResult {
  @Field(() => String)
  resourceType: string;

  @Field(() => String)
  resourceId: string;

  constructor(resourceType: string, resourceId: string) {
    super();
    this.code = ErrorCode.NOT_FOUND;
    this.message = `${resourceType} not found.`;
    this.resourceType = resourceType;
    this.resourceId = resourceId;
  }
}

@ObjectType({
  simpleResolvers: true,
  implements: ErrorResult,
  description: 'The change conflicts with the current state (HTTP 409).',
})
export class ConflictError extends ErrorResult {
  @Field(() => ConflictReason)
  reason: ConflictReason;

  @Field(() => [ID], { description: 'With ACTIVE_JOBS: the queued or running jobs.' })
  activeJobIds: string[];

  @Field(() => Int, { nullable: true, description: 'With VERSION_MISMATCH: the current version.' })
  currentVersion: number | null;

  constructor(
    reason: ConflictReasonValue,
    message: string,
    activeJobIds: string[] = [],
    currentVersion: number | null = null,
  ) {
    super();
    this.code = ErrorCode.CONFLICT;
    this.message = message;
    this.reason = reason as ConflictReason;
    this.activeJobIds = activeJobIds;
    this.currentVersion = currentVersion;
  }
}

export const ERROR_TYPES = [
  InvalidInputError,
  AuthenticationError,
  PermissionDeniedError,
  NotFoundError,
  ConflictError,
] as const;

/** The one mapping from a domain failure to its GraphQL error type. */
export function toErrorResult(failure: Failure): ErrorResult {
  switch (failure.kind) {
    case 'InvalidInput':
      return new InvalidInputError(failure.fieldErrors);
    case 'Authentication':
      return new AuthenticationError(failure.message);
    case 'PermissionDenied':
      return new PermissionDeniedError(ErrorCode[failure.code], failure.requiredPermissions);
    case 'NotFound':
      return new NotFoundError(failure.resourceType, failure.resourceId);
    case 'Conflict':
      return new ConflictError(
        failure.reason,
        failure.message,
        failure.activeJobIds,
        failure.currentVersion ?? null,
      );
    default: {
      const never: never = failure;
      throw new Error(`unmapped failure ${JSON.stringify(never)}`);
    }
  }
}
