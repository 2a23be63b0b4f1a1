import { createRequire } from 'node:module';
import { HeaderMap, type HTTPGraphQLHead } from '@apollo/server';
import type { GatewayInterface } from '@apollo/server-gateway-interface';
import {
  GraphQLError,
  type DocumentNode,
  type ExecutionResult,
  type GraphQLSchema,
  type OperationDefinitionNode,
} from 'graphql';
import { compileQuery, isCompiledQuery, type CompiledQuery } from 'graphql-jit';
import type * as JitVariables from 'graphql-jit/dist/variables';

/**
 * graphql-jit's variable coercion (`compileVariableParsing`, what its compiled queries run
 * first). Its `dist/variables` entry is exported and typed, but only its CommonJS build loads
 * on its own (the ES module one imports `./generate` without an extension).
 */
const { compileVariableParsing, failToParseVariables } = createRequire(import.meta.url)(
  'graphql-jit/dist/variables',
) as typeof JitVariables;

/** The parts of Apollo's request context the executor reads. */
interface Operation {
  document: DocumentNode;
  operationName: string | null;
  contextValue: object;
  request: { variables?: Record<string, unknown> };
}

export interface JitExecutor {
  /** Runs one operation (compiled on its document's first run). */
  run(operation: Operation): Promise<ExecutionResult>;
  /**
   * Apollo's `responseForOperation` hook (the gateway's plugin calls it): runs the operation
   * and, when it has no errors, answers it right there. Apollo's own execution step then does
   * not run, with what it does per request besides executing: an execution listener round, a
   * gateway request context, and the content negotiation of the `accept` header for
   * incremental delivery (`negotiator`), about 5 KB and 3% of a mutation's CPU together
   * (`bench/micro.ts`). A result with errors is left to Apollo, which formats and reports
   * them (`formatError`, `didEncounterErrors`): its execution step then takes this result
   * from `gateway` below instead of running the operation a second time.
   */
  respond(operation: Operation): Promise<GraphQLResponse | null>;
  /** The executor Apollo's `gateway` option takes: it only hands over `respond`'s results. */
  gateway: GatewayInterface;
  /**
   * True when `variables` coerce to the operation's variable types by the coercion graphql-jit
   * runs before it executes (compiled once per operation) and hold no array (see `declaredHoldArray`);
   * false means "ask graphql-js". The admission check asks this first and graphql-js only when
   * it says false (graphql-js then decides, and words the error): graphql-js's coercion was
   * about 10 µs of every mutation, and graphql-jit coerces the same values again anyway.
   * `test/hardening/variable-coercion.test.ts` holds the two to the same verdicts.
   */
  variablesCoerce(operation: OperationDefinitionNode, variables: object | undefined): boolean;
}

/** What `responseForOperation` returns (Apollo's `GraphQLResponse`, single result). */
type GraphQLResponse = {
  http: HTTPGraphQLHead;
  body: { kind: 'single'; singleResult: ExecutionResult };
};

/**
 * Executes operations with graphql-jit instead of graphql-js's interpreter: each distinct
 * document (Apollo hands the same parsed `DocumentNode` back for the same query text) is
 * compiled once into plain JavaScript and run from then on. Plugged in through Apollo's
 * `responseForOperation` hook and its gateway interface, the supported ways to replace its
 * executor; parsing, validation, plugins and error formatting stay Apollo's.
 */
export function jitExecutor(schema: GraphQLSchema): JitExecutor {
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
  const run = async (operation: Operation): Promise<ExecutionResult> => {
    const query = compile(operation.document, operation.operationName);
    if (!('query' in query)) return query as ExecutionResult;
    const result = (await query.query(
      undefined,
      operation.contextValue,
      operation.request.variables ?? {},
    )) as ExecutionResult;
    return result.errors ? { ...result, errors: result.errors.map(toGraphQLError) } : result;
  };
  // Bound like `compiled`: an operation node lives as long as its document.
  const parsers = new WeakMap<OperationDefinitionNode, ReturnType<typeof compileVariableParsing>>();
  const variablesCoerce = (operation: OperationDefinitionNode, variables: object | undefined) => {
    let parse = parsers.get(operation);
    if (!parse) {
      try {
        parse = compileVariableParsing(schema, operation.variableDefinitions ?? []);
      } catch {
        // A type it cannot coerce to (validation refuses those first): graphql-js decides.
        parse = () => ({ errors: [] });
      }
      parsers.set(operation, parse);
    }
    return (
      !declaredHoldArray(operation, variables) && !failToParseVariables(parse(variables ?? {}))
    );
  };
  // Results with errors, from `respond` to Apollo's execution step of the same request (whose
  // context object is the key): a request leaves it within that step.
  const withErrors = new WeakMap<object, ExecutionResult>();
  return {
    run,
    variablesCoerce,
    async respond(operation) {
      const result = await run(operation);
      if (!result.errors) {
        return {
          http: { headers: new HeaderMap() },
          body: { kind: 'single', singleResult: result },
        };
      }
      withErrors.set(operation.contextValue, result);
      return null;
    },
    gateway: {
      onSchemaLoadOrUpdate(callback) {
        callback({ apiSchema: schema, coreSupergraphSdl: '' });
        return () => {};
      },
      async load() {
        return {
          executor: async (requestContext) => {
            const result = withErrors.get(requestContext.context);
            // Never run an operation here: `respond` ran it already (a mutation twice would
            // write twice). Only a change in how Apollo calls its hooks would get here.
            if (!result) throw new Error('the operation was not run by the gateway plugin');
            withErrors.delete(requestContext.context);
            return result;
          },
        };
      },
      async stop() {},
    },
  };
}

/**
 * Deeper than any input type of the schema nests: a value nested further is handed to
 * graphql-js (whose coercion follows the declared type, never the value's depth) rather than
 * walked to the end, so a request of 100,000 nested braces costs no stack.
 */
const MAX_VARIABLE_DEPTH = 16;

/**
 * Whether a declared variable's value holds an array anywhere (or nests deeper than
 * `MAX_VARIABLE_DEPTH`). graphql-jit 0.8 takes an array where an input object is due
 * (graphql-js refuses it), so its verdict is only asked for variables without any
 * (`test/hardening/variable-coercion.test.ts` finds such disagreements). Variables the operation
 * does not declare are never read, as in graphql-js.
 */
function declaredHoldArray(operation: OperationDefinitionNode, variables: object | undefined) {
  if (variables === undefined) return false;
  for (const definition of operation.variableDefinitions ?? []) {
    const value = (variables as Record<string, unknown>)[definition.variable.name.value];
    if (holdsArray(value, 1)) return true;
  }
  return false;
}

function holdsArray(value: unknown, depth: number): boolean {
  if (typeof value !== 'object' || value === null) return false;
  if (Array.isArray(value) || depth >= MAX_VARIABLE_DEPTH) return true;
  for (const key in value) {
    if (holdsArray((value as Record<string, unknown>)[key], depth + 1)) return true;
  }
  return false;
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
