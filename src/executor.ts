import type { GatewayInterface } from '@apollo/server-gateway-interface';
import { GraphQLError, type DocumentNode, type ExecutionResult, type GraphQLSchema } from 'graphql';
import { compileQuery, isCompiledQuery, type CompiledQuery } from 'graphql-jit';

/**
 * Executes operations with graphql-jit instead of graphql-js's interpreter: each distinct
 * document (Apollo hands the same parsed `DocumentNode` back for the same query text) is
 * compiled once into plain JavaScript and run from then on. Plugged in through Apollo's
 * gateway interface, the one supported way to replace its executor; parsing, validation,
 * plugins and error formatting stay Apollo's.
 */
export function jitExecutor(schema: GraphQLSchema): GatewayInterface {
  // Bound: an entry lives only while Apollo's document store (an LRU of 30 MiB, its default)
  // holds the document; inside, one compiled query per operation of that document.
  const compiled = new WeakMap<DocumentNode, Map<string, CompiledQuery>>();
  const compile = (document: DocumentNode, operationName: string | null) => {
    let byName = compiled.get(document);
    if (!byName) compiled.set(document, (byName = new Map()));
    const key = operationName ?? '';
    let query = byName.get(key);
    if (!query) {
      const result = compileQuery(schema, document, operationName ?? undefined, {
        disableLeafSerialization: false,
      });
      if (!isCompiledQuery(result)) return refused(result);
      query = result;
      byName.set(key, query);
    }
    return query;
  };
  return {
    onSchemaLoadOrUpdate(callback) {
      callback({ apiSchema: schema, coreSupergraphSdl: '' });
      return () => {};
    },
    async load() {
      return {
        executor: async (requestContext) => {
          const query = compile(requestContext.document, requestContext.operationName);
          if (!('query' in query)) return query as ExecutionResult;
          const result = (await query.query(
            undefined,
            requestContext.context,
            requestContext.request.variables ?? {},
          )) as ExecutionResult;
          return result.errors ? { ...result, errors: result.errors.map(toGraphQLError) } : result;
        },
      };
    },
    async stop() {},
  };
}

/**
 * graphql-jit's errors are look-alikes of graphql-js's without an `extensions` object, which
 * Apollo's error formatting dereferences (it would replace every one of them with a bare
 * internal error, bypassing our `formatError`). Rebuild them as real GraphQLErrors, keeping
 * message, path, locations and the original error.
 */
function toGraphQLError(error: GraphQLError): GraphQLError {
  const rebuilt = new GraphQLError(error.message, {
    path: error.path,
    originalError: error.originalError ?? undefined,
    extensions: error.extensions ?? undefined,
  });
  if (error.locations) Object.assign(rebuilt, { locations: error.locations });
  return rebuilt;
}

/**
 * graphql-jit refused to compile the document, so nothing ran. Its own refusals of the
 * operation (graphql-js `GraphQLError`s it throws about the document: an unknown operation, a
 * malformed `@skip`, an argument it cannot coerce) are the client's mistake: 400 and
 * `GRAPHQL_VALIDATION_FAILED`. Validation refuses all of these first; this keeps a
 * disagreement between the two from answering 500. Anything else it caught (a plain `Error`,
 * which it wraps) is a fault of ours and stays unexpected.
 */
function refused(result: ExecutionResult): ExecutionResult {
  return {
    errors: (result.errors ?? []).map((error) =>
      error instanceof GraphQLError && !error.originalError
        ? new GraphQLError(error.message, {
            nodes: error.nodes,
            extensions: { code: 'GRAPHQL_VALIDATION_FAILED', http: { status: 400 } },
          })
        : error,
    ),
  };
}
