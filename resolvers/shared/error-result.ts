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
  description:
    'Machine-readable code of an error result: one per error type, two for PermissionDeniedError. Branch on `__typename` for the type and on `code` for the finer reason.',
  valuesConfig: {
    INVALID_INPUT: {
      description: 'InvalidInputError: the input is malformed or breaks a rule (HTTP 400).',
    },
    UNAUTHENTICATED: {
      description:
        'AuthenticationError: no or invalid credentials, or not a member of the tenant (HTTP 401).',
    },
    PERMISSION_DENIED: {
      description: 'PermissionDeniedError: a member who lacks the permission (HTTP 403).',
    },
    LICENSE_REQUIRED: {
      description:
        'PermissionDeniedError: the tenant lacks the licence the service needs, e.g. OES (HTTP 403).',
    },
    NOT_FOUND: {
      description: 'NotFoundError: the resource does not exist in that tenant (HTTP 404).',
    },
    CONFLICT: {
      description: 'ConflictError: the change conflicts with the current state (HTTP 409).',
    },
  },
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
    ACTIVE_JOBS: {
      description:
        'A job that uses the connection is queued or running (activeJobIds lists them); retry when they have finished.',
    },
    VERSION_MISMATCH: {
      description:
        '`expectedVersion` is not the current version (currentVersion says which is): somebody else changed the connection; reload and retry.',
    },
    NAME_TAKEN: {
      description:
        'Another connection already has this name (in the tenant for databases, ignoring case; in the connector for connector connections).',
    },
    APP_DELETED: {
      description:
        'The App of the connection has been deleted; the connection can no longer be replaced.',
    },
    IDEMPOTENCY_KEY_REUSED: {
      description:
        'The idempotencyKey was used before (by the same caller, within 24 hours) with other arguments or another operation.',
    },
  },
});

/** GraphQL `interface Error`: the TypeScript class is named so as not to shadow `Error`. */
@InterfaceType('Error', {
  description:
    'An expected failure of a mutation, returned as data in its result union (never a top-level error). Select `... on Error { code message }` to handle any of them, and the error type itself for its extra fields.',
})
export abstract class ErrorResult {
  @Field(() => String, { description: 'What went wrong, for people.' })
  message!: string;

  @Field(() => ErrorCode, { description: 'What went wrong, for programs.' })
  code!: ErrorCode;
}

@ObjectType({ simpleResolvers: true, description: 'One problem with one input value.' })
export class FieldError {
  @Field(() => [String], {
    description:
      'Where the value is in the operation, by argument and field names (list positions as numbers), e.g. ["input","port"], ["connectionId"], ["input","variables","2","name"].',
  })
  path!: string[];

  @Field(() => String, {
    description: 'What is wrong with the value, for people, e.g. "must be from 1 to 65535".',
  })
  message!: string;

  @Field(() => String, {
    description:
      'What is wrong, for programs, e.g. REQUIRED, NOT_NULLABLE, NOTHING_TO_UPDATE, BLANK, TOO_SHORT, TOO_LONG, OUT_OF_RANGE, INVALID_UUID (a connection id), INVALID_ID (a tenant or client id), DUPLICATE. Input fields name the codes of their own rules.',
  })
  code!: string;
}

@ObjectType({
  simpleResolvers: true,
  implements: ErrorResult,
  description: 'The input is malformed or breaks a rule (HTTP 400). Lists every problem.',
})
export class InvalidInputError extends ErrorResult {
  @Field(() => [FieldError], {
    description: 'Every problem of the request, each with its path; never empty.',
  })
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
  @Field(() => [String], {
    description:
      'With PERMISSION_DENIED: the permissions of which any one would have been enough (connections:write, client.write, client.write.all). Empty with LICENSE_REQUIRED.',
  })
  requiredPermissions: string[];

  @Field(() => String, {
    nullable: true,
    description: 'With LICENSE_REQUIRED: the licence the tenant lacks ("oes"); else null.',
  })
  requiredLicence: string | null;

  constructor(
    code: ErrorCode.PERMISSION_DENIED | ErrorCode.LICENSE_REQUIRED,
    requiredPermissions: string[],
    requiredLicence: string | null = null,
  ) {
    super();
    this.code = code;
    this.message =
      code === ErrorCode.LICENSE_REQUIRED
        ? `The tenant does not hold the licence this operation needs (${requiredLicence}).`
        : `Permission denied: needs one of ${requiredPermissions.join(', ')}.`;
    this.requiredPermissions = requiredPermissions;
    this.requiredLicence = requiredLicence;
  }
}

@ObjectType({
  simpleResolvers: true,
  implements: ErrorResult,
  description: 'The resource does not exist in that tenant (HTTP 404).',
})
export class NotFoundError extends ErrorResult {
  @Field(() => String, {
    description:
      'What was not found: OesConnection, NexusConnection, Client, OrgConnection, DatabaseConnection, Connector or ConnectorConnection.',
  })
  resourceType: string;

  @Field(() => String, { description: 'The id that was looked for, as given.' })
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
  @Field(() => ConflictReason, { description: 'Which conflict; decides what to do next.' })
  reason: ConflictReason;

  @Field(() => [ID], {
    description: 'With ACTIVE_JOBS: the ids of the queued or running jobs; otherwise empty.',
  })
  activeJobIds: string[];

  @Field(() => Int, {
    nullable: true,
    description: 'With VERSION_MISMATCH: the current version; otherwise null.',
  })
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
      return new PermissionDeniedError(
        ErrorCode[failure.code],
        failure.requiredPermissions,
        failure.code === 'LICENSE_REQUIRED' ? failure.requiredLicence : null,
      );
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
