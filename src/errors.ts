import { unwrapResolverError } from '@apollo/server/errors';
import {
  getVariableValues,
  GraphQLError,
  type GraphQLFormattedError,
  type GraphQLSchema,
  type OperationDefinitionNode,
} from 'graphql';

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
 * `cannot represent …: "…"`, `found "…"`, `Value "…" does not exist in "…" enum`): a
 * mistyped field next to a password would send the password back. Values are cut out, and so
 * are the names of unknown input fields (`Field "…" is not defined by type "…"`: the keys of a
 * variable's JSON are input too); names of types, and of the fields and arguments a document
 * selects, stay. Each value is cut to the end of the message where its end cannot be told
 * (a quoted value may hold `; ` or `"`).
 */
export function redactValues(message: string): string {
  return message
    .replace(/got invalid value (?!\[redacted\])[\s\S]*$/, 'got invalid value [redacted]')
    .replace(/(cannot represent[^:]*:) [\s\S]*$/i, '$1 [redacted]')
    .replace(/(Expected value of type "?[^"]+"?, found) [\s\S]*$/, '$1 [redacted].')
    .replace(/(has invalid value) [\s\S]*$/, '$1 [redacted].')
    .replace(/\bValue "[\s\S]*" (does not exist in "[^"]+" enum\.)/, 'Value [redacted] $1')
    .replace(/\bField "[\s\S]*" (is not defined by type "[^"]+"\.)/, 'Field [redacted] $1')
    .replace(/(escape sequence:) "[\s\S]*$/, '$1 [redacted].')
    .replace(/\b(String|BlockString|Name|Int|Float) "(?:[^"\\]|\\.)*"/g, '$1 [redacted]')
    .replace(/(Unexpected token|in JSON at position)[\s\S]*$/, '$1 [redacted]');
}

/**
 * The message of a variable coercion error from graphql-js's `getVariableValues`
 * (`Variable "$v" got invalid value <value> at "v.path"; <reason>`), rebuilt from its parts
 * with the value cut out and the path and reason kept (the reason is redacted later, by
 * `redactValues`, like every client error).
 */
export function variableErrorMessage(error: GraphQLError): string {
  const reason = error.originalError?.message;
  const prefix = reason === undefined ? '' : error.message.slice(0, -(reason.length + 2));
  const head = /^(Variable "\$\w+" got invalid value) /.exec(prefix);
  if (!head || !error.message.endsWith(`; ${reason}`)) return error.message;
  // A path is a variable name and field names or indexes; a quoted value cannot end in one
  // (its inner quotes are escaped).
  const at = / at "\w+(?:\.\w+|\[\d+\])*"$/.exec(prefix)?.[0] ?? '';
  return `${head[1]} [redacted]${at}; ${reason}`;
}

/**
 * The operation's variables coerced by graphql-js, as HTTP and WebSocket both admit them: a
 * value of the wrong type is the caller's mistake, answered `BAD_USER_INPUT` with the value
 * cut out, before anything runs. Undefined when they coerce.
 */
export function variablesError(
  schema: GraphQLSchema,
  operation: OperationDefinitionNode,
  variables: Record<string, unknown> | undefined,
): GraphQLError | undefined {
  const coerced = getVariableValues(schema, operation.variableDefinitions ?? [], variables ?? {}, {
    maxErrors: 1,
  });
  if (!coerced.errors) return undefined;
  return new GraphQLError(variableErrorMessage(coerced.errors[0]), {
    nodes: coerced.errors[0].nodes,
    extensions: { code: 'BAD_USER_INPUT', http: { status: 400 } },
  });
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
    // Apollo refuses a few requests with a 4xx status and no code (a persisted query whose
    // hash does not match its text): the client's mistake too.
    const status = (original.extensions?.http as { status?: unknown } | undefined)?.status;
    if (code === undefined && typeof status === 'number' && status >= 400 && status < 500)
      return 'client';
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
      // Apollo gives a code-less error INTERNAL_SERVER_ERROR before this runs.
      if (!CLIENT_CODES.has(extensions.code as string)) extensions.code = 'BAD_REQUEST';
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
