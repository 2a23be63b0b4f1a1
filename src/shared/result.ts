/** One problem with one input field; `path` is as in the operation, e.g. `["input","port"]`. */
export interface FieldError {
  path: string[];
  message: string;
  code: string;
}

export type ConflictReason =
  'ACTIVE_JOBS' | 'VERSION_MISMATCH' | 'NAME_TAKEN' | 'APP_DELETED' | 'IDEMPOTENCY_KEY_REUSED';
export type PermissionCode = 'PERMISSION_DENIED' | 'LICENSE_REQUIRED';

/**
 * Every expected way a use case can fail. Services return these as data; the GraphQL layer
 * turns each kind into its error type (one exhaustive switch). Anything else is thrown.
 */
export type Failure =
  | { kind: 'InvalidInput'; fieldErrors: FieldError[] }
  | { kind: 'Authentication'; message: string }
  | { kind: 'PermissionDenied'; code: 'PERMISSION_DENIED'; requiredPermissions: string[] }
  | {
      kind: 'PermissionDenied';
      code: 'LICENSE_REQUIRED';
      requiredPermissions: string[];
      /** The entitlement the tenant lacks, e.g. `oes`. */
      requiredLicence: string;
    }
  | { kind: 'NotFound'; resourceType: string; resourceId: string }
  | {
      kind: 'Conflict';
      reason: ConflictReason;
      message: string;
      activeJobIds?: string[];
      currentVersion?: number;
    };

export type Result<T> = { ok: true; value: T } | { ok: false; error: Failure };

export const ok = <T>(value: T): Result<T> => ({ ok: true, value });
export const fail = <T = never>(error: Failure): Result<T> => ({ ok: false, error });

export const invalidInput = (fieldErrors: FieldError[]): Failure => ({
  kind: 'InvalidInput',
  fieldErrors,
});
export const notFound = (resourceType: string, resourceId: string): Failure => ({
  kind: 'NotFound',
  resourceType,
  resourceId,
});
/** The tenant lacks the entitlement (licence) the operation needs. */
export const licenceRequired = (entitlement: string): Failure => ({
  kind: 'PermissionDenied',
  code: 'LICENSE_REQUIRED',
  requiredPermissions: [],
  requiredLicence: entitlement,
});
export const conflict = (
  reason: ConflictReason,
  message: string,
  extra: { activeJobIds?: string[]; currentVersion?: number } = {},
): Failure => ({ kind: 'Conflict', reason, message, ...extra });

/**
 * One changed field, as the audit event records it: the old and new value of a non-secret
 * field; for a secret field only that it changed (`from`/`to` null, `secret: true`).
 */
export interface FieldChange {
  field: string;
  from: unknown;
  to: unknown;
  secret: boolean;
}

/** A changed non-secret field (`undefined` is recorded as null). */
export const fieldChange = (field: string, from: unknown, to: unknown): FieldChange => ({
  field,
  from: from ?? null,
  to: to ?? null,
  secret: false,
});

/** A changed secret field: that it changed, never its values. */
export const secretFieldChange = (field: string): FieldChange => ({
  field,
  from: null,
  to: null,
  secret: true,
});

/** A mutation's success: what the service hands back, and what changed. */
export interface MutationOutcome<Out> {
  value: Out;
  /** The field names the audit event records (or would record, in a dry run); empty: no-op. */
  changedFields: string[];
  /** Whether this was a dry run (nothing was kept). */
  validateOnly: boolean;
}
