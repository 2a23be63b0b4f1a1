/**
 * Descriptions that many fields and arguments share, so the schema says the same thing in the
 * same words everywhere (they are what a frontend developer reads in Sandbox).
 */

/** The tenant argument of a mutation (`enterpriseId`, `tenantId`, `organisationId`). */
export function mutationTenantArg(name: string): string {
  return (
    `The tenant that owns the connection: 1 to 63 characters of a-z, 0-9, "-" and "_", ` +
    `starting with a letter or digit. ` +
    `Malformed: InvalidInputError at ["${name}"]. A tenant you are not a member of, or one ` +
    `that does not exist: AuthenticationError (the two cannot be told apart).`
  );
}

/** The `connectionId` argument of a mutation. */
export const MUTATION_CONNECTION_ID =
  'The connection to change: a UUID (any case). Malformed: InvalidInputError at ' +
  '["connectionId"]. Not a connection of that tenant: NotFoundError.';

/** The `input` argument of a mutation. */
export const MUTATION_INPUT =
  'What to change. Every problem with it is reported at once, in one InvalidInputError ' +
  'whose fieldErrors paths start with "input".';

/** The tenant argument of a list or single-object query. */
export const QUERY_TENANT =
  'The tenant to read: 1 to 63 characters of a-z, 0-9, "-" and "_", starting with a letter ' +
  'or digit (malformed: top-level BAD_USER_INPUT). Needs connections:read there (else ' +
  'top-level FORBIDDEN).';

/** The `connectionId` argument of a single-object query. */
export const QUERY_CONNECTION_ID =
  "The connection's id, a UUID (any case). A malformed or unknown id gives null.";

/** `id` of a connection type. */
export const CONNECTION_ID = "The connection's id: a UUID, stable for its lifetime.";

/** `createdAt` / `updatedAt` of anything stored. */
export const CREATED_AT = 'When it was created (UTC, RFC 3339).';
export const UPDATED_AT = 'When it last changed (UTC, RFC 3339).';

/** The `connection` field of every `<Name>Success`. */
export const SUCCESS_CONNECTION =
  'The connection as stored after the call, with its new version when something changed ' +
  '(the same version when nothing did).';

/** `expectedVersion` of every update input. */
export const EXPECTED_VERSION =
  "Refuse the change unless this is the connection's current version: a mismatch is a " +
  'ConflictError VERSION_MISMATCH carrying currentVersion. At least 1 (else InvalidInputError ' +
  'OUT_OF_RANGE). Absent or null: no check.';
