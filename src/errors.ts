import { unwrapResolverError } from '@apollo/server/errors';
import { GraphQLError, type GraphQLFormattedError } from 'graphql';

/** Codes a client may see as they are: the client's own mistakes, described without values. */
const CLIENT_CODES = new Set([
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'BAD_USER_INPUT',
  'BAD_REQUEST',
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'OPERATION_RESOLUTION_FAILURE',
  'PERSISTED_QUERY_NOT_FOUND',
  'PERSISTED_QUERY_NOT_SUPPORTED',
  'SERVICE_UNAVAILABLE',
]);

/** PostgreSQL SQLSTATEs that mean "busy or away", not "broken": lock and statement timeouts, shutdown, connection loss. */
const UNAVAILABLE_SQLSTATES = new Set([
  '55P03',
  '57014',
  '57P01',
  '57P02',
  '57P03',
  '08000',
  '08003',
  '08006',
  '08001',
  '08004',
  '53300',
  // storage: disk full, I/O error, other system errors
  '53100',
  '58000',
  '58030',
]);

/**
 * A file the database could not open or write: PostgreSQL (and PGlite, whose files are the
 * process's own) reports EACCES/EPERM as SQLSTATE 42501 `could not open file "…"`, which
 * otherwise means a missing grant. A data directory that turned unwritable is an outage.
 */
const FILE_ACCESS =
  /^could not (open|create|write|extend|read|fsync|remove|rename|access)\b.*\b(file|directory)\b/i;

/** True for a database fault a retry may cure: timeouts, lock waits, a lost or refused connection. */
export function isTransientDbError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && UNAVAILABLE_SQLSTATES.has(code)) return true;
  if (code === '42501' && FILE_ACCESS.test(error.message)) return true;
  if (
    typeof code === 'string' &&
    ['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT'].includes(code)
  )
    return true;
  return /timeout exceeded when trying to connect|Connection terminated|connection is closed|Client has encountered a connection error/i.test(
    error.message,
  );
}

/**
 * graphql-js quotes the offending input value in some messages (`got invalid value "…"`,
 * `cannot represent …: "…"`, `found "…"`): a mistyped field next to a password would send the
 * password back. Values are cut out; names of fields and types stay.
 */
export function redactValues(message: string): string {
  return message
    .replace(/got invalid value [\s\S]*?(; |$)/g, 'got invalid value [redacted]$1')
    .replace(/(cannot represent[^:]*:) [\s\S]*$/i, '$1 [redacted]')
    .replace(/(Expected value of type "?[^"]+"?, found) [\s\S]*?(;|\.?$)/g, '$1 [redacted]$2')
    .replace(/\b(String|BlockString|Name|Int|Float) "(?:[^"\\]|\\.)*"/g, '$1 [redacted]')
    .replace(/(Unexpected token|in JSON at position)[\s\S]*$/, '$1 [redacted]');
}

export type ErrorDisposition = 'client' | 'unavailable' | 'internal';

/** Decides what the client may learn of an error: its own mistake, a transient outage, or nothing. */
export function classifyError(error: unknown): ErrorDisposition {
  let original = unwrapResolverError(error);
  // Errors thrown outside resolvers (e.g. while authenticating in a plugin) arrive wrapped
  // in a code-less GraphQLError: look at what was thrown.
  while (original instanceof GraphQLError && !original.extensions?.code && original.originalError) {
    original = original.originalError;
  }
  // Codes are set by graphql-js/Apollo for request errors (parse, validation, variable
  // coercion) and by our own resolvers for query failures; a thrown non-GraphQL error never
  // carries one, so it falls through to 'internal'.
  if (original instanceof GraphQLError) {
    const code = original.extensions?.code;
    if (typeof code === 'string' && CLIENT_CODES.has(code)) return 'client';
  }
  if (isTransientDbError(original)) return 'unavailable';
  return 'internal';
}

/**
 * Apollo's `formatError`: client mistakes keep their message (values redacted, suggestions
 * dropped in production); database outages become SERVICE_UNAVAILABLE; everything else is
 * INTERNAL_SERVER_ERROR with no message, stack, SQL or secret. The request id is added later.
 */
export function formatGatewayError(
  formatted: GraphQLFormattedError,
  error: unknown,
  production: boolean,
): GraphQLFormattedError {
  switch (classifyError(error)) {
    case 'client': {
      let message = redactValues(formatted.message);
      if (production) message = message.replace(/ ?Did you mean[^?]*\?/g, '');
      const extensions = { ...formatted.extensions };
      delete extensions.stacktrace;
      if (!extensions.code) extensions.code = 'GRAPHQL_VALIDATION_FAILED';
      return { message, locations: formatted.locations, path: formatted.path, extensions };
    }
    case 'unavailable':
      return {
        message: 'The service is temporarily unavailable; nothing was changed. Try again.',
        path: formatted.path,
        extensions: { code: 'SERVICE_UNAVAILABLE' },
      };
    case 'internal':
      return {
        message: 'Internal server error',
        path: formatted.path,
        extensions: { code: 'INTERNAL_SERVER_ERROR' },
      };
  }
}
