import { maxAliasesRule } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthRule } from '@escape.tech/graphql-armor-max-depth';
import { maxDirectivesRule } from '@escape.tech/graphql-armor-max-directives';
import {
  GraphQLError,
  Kind,
  visit,
  type DocumentNode,
  type GraphQLSchema,
  type SelectionNode,
  type ValidationContext,
  type ValidationRule,
} from 'graphql';
import { getComplexity, simpleEstimator, type ComplexityEstimator } from 'graphql-query-complexity';
import { DEFAULT_PAGE_SIZE } from './services/read-access.js';

/**
 * The bounds every operation is checked against before it runs (see README, "Limits and
 * guarantees"). Depth is set just above the deepest query the schema legitimately needs
 * (a mutation result down to `credentials → credential → usages → connection → connector`);
 * because the schema has a type cycle there, depth is what stops circular queries.
 */
export const LIMITS = {
  maxDepth: 10,
  maxAliases: 30,
  maxDirectives: 20,
  /** Tokens of the document, counted by graphql-js's parser (stops giant documents cheaply). */
  maxTokens: 5_000,
  /** Estimated cost; each page multiplies its items' cost by `first` (default 50). */
  maxCost: 25_000,
  /**
   * Selections the cost estimate may visit once fragments are expanded: a document whose
   * fragments each spread the previous one twice is tiny but expands exponentially.
   */
  maxNodes: 10_000,
  maxMutationFields: 5,
  /** A request body (HTTP) or WebSocket message, in bytes, refused before it is parsed. */
  maxBodyBytes: 1024 * 1024,
} as const;

const limitError = (message: string) =>
  new GraphQLError(message, {
    extensions: { code: 'GRAPHQL_VALIDATION_FAILED', http: { status: 400 } },
  });

/** Reports an armor rule's rejection as a normal validation error (armor would throw). */
const report =
  (what: string, limit: number) =>
  (context: ValidationContext | null): void => {
    context?.reportError(limitError(`The operation exceeds the ${what} limit of ${limit}.`));
  };

/**
 * At most `max` root fields in a mutation operation (each is a separate transaction). Counted
 * after fragments are expanded, inline and named, nested ones too, as the executor would see
 * them: fields are counted by response key (the executor merges equal keys into one call), and
 * each named fragment is entered once, so a fragment cycle (refused by validation anyway)
 * cannot make this loop.
 */
function maxMutationFieldsRule(max: number): ValidationRule {
  return (context) => ({
    OperationDefinition(node) {
      if (node.operation !== 'mutation') return;
      const keys = new Set<string>();
      const entered = new Set<string>();
      const collect = (selections: readonly SelectionNode[]) => {
        for (const selection of selections) {
          if (selection.kind === Kind.FIELD) {
            keys.add((selection.alias ?? selection.name).value);
          } else if (selection.kind === Kind.INLINE_FRAGMENT) {
            collect(selection.selectionSet.selections);
          } else if (!entered.has(selection.name.value)) {
            entered.add(selection.name.value);
            const fragment = context.getFragment(selection.name.value);
            if (fragment) collect(fragment.selectionSet.selections);
          }
        }
      };
      collect(node.selectionSet.selections);
      if (keys.size > max)
        context.reportError(
          limitError(`An operation may hold at most ${max} mutations (found ${keys.size}).`),
        );
    },
  });
}

/**
 * An operation of a type the schema has no root for (a `subscription` against a schema
 * without a Subscription type) is refused here, as graphql-js 17 does with its
 * `KnownOperationTypesRule`; graphql-js 16 and graphql-jit would only fail when executing.
 */
function knownOperationTypesRule(): ValidationRule {
  return (context) => ({
    OperationDefinition(node) {
      if (!context.getSchema().getRootType(node.operation))
        context.reportError(
          new GraphQLError(`The ${node.operation} operation is not supported by the schema.`, {
            nodes: node,
            extensions: { code: 'GRAPHQL_VALIDATION_FAILED', http: { status: 400 } },
          }),
        );
    },
  });
}

/**
 * The validation rules Apollo runs after parsing: known operation types, depth, aliases,
 * directives, mutation fields.
 */
export function limitRules(): ValidationRule[] {
  return [
    knownOperationTypesRule(),
    maxDepthRule({
      n: LIMITS.maxDepth,
      flattenFragments: true,
      propagateOnRejection: false,
      onReject: [report('depth', LIMITS.maxDepth)],
    }),
    maxAliasesRule({
      n: LIMITS.maxAliases,
      // Armor lets `__typename` aliases through by default; each one is still an alias.
      allowList: [],
      propagateOnRejection: false,
      onReject: [report('alias', LIMITS.maxAliases)],
    }),
    maxDirectivesRule({
      n: LIMITS.maxDirectives,
      propagateOnRejection: false,
      onReject: [report('directive', LIMITS.maxDirectives)],
    }),
    maxMutationFieldsRule(LIMITS.maxMutationFields),
  ] as ValidationRule[];
}

/** A page's items cost `first` times their own cost (the default page size when absent). */
const pageEstimator: ComplexityEstimator = ({ args, childComplexity, field }) => {
  if (!field.args.some((a) => a.name === 'first')) return undefined;
  const first = typeof args.first === 'number' && args.first > 0 ? args.first : DEFAULT_PAGE_SIZE;
  return 1 + first * childComplexity;
};

/**
 * Per document: the variables that set a page size, and the costs already estimated.
 * Bounds: the WeakMap holds an entry only while Apollo's document store (an LRU of 30 MiB, its
 * default) keeps the document; each entry holds at most {@link MAX_COSTS_PER_DOCUMENT} costs,
 * since the values of page-size variables are the caller's to choose (any Int).
 */
export const MAX_COSTS_PER_DOCUMENT = 100;
const costCache = new WeakMap<
  DocumentNode,
  { pageSizeVariables: string[]; costs: Map<string, number> }
>();

/** How many estimates are cached for `document` (for tests of the bound). */
export const cachedCostCount = (document: DocumentNode): number =>
  costCache.get(document)?.costs.size ?? 0;

/**
 * The estimated cost of the operation, with its variables (so `first: $n` counts as `n`).
 * Fragments are expanded, so fan-out through fragments is paid for. Apollo hands back the
 * same parsed document for the same query text, so the estimate is cached per document and
 * per value of the variables that set page sizes; nothing else in the variables changes it.
 */
export function operationCost(
  schema: GraphQLSchema,
  document: DocumentNode,
  variables: Record<string, unknown> | undefined,
  operationName: string | undefined,
): number {
  let entry = costCache.get(document);
  if (!entry)
    costCache.set(
      document,
      (entry = { pageSizeVariables: pageSizeVariables(document), costs: new Map() }),
    );
  const key = `${operationName ?? ''}\u0000${JSON.stringify(entry.pageSizeVariables.map((v) => variables?.[v] ?? null))}`;
  let cost = entry.costs.get(key);
  if (cost === undefined) {
    try {
      cost = getComplexity({
        schema,
        query: document,
        variables,
        operationName,
        maxQueryNodes: LIMITS.maxNodes,
        estimators: [pageEstimator, simpleEstimator({ defaultComplexity: 1 })],
      });
    } catch (error) {
      // The estimate refuses a document that expands past `maxNodes`: the client's mistake.
      // It throws nothing else for a validated document; anything else is unexpected.
      if (error instanceof GraphQLError && /maximum allowed number of nodes/.test(error.message))
        throw limitError(
          `The operation exceeds the limit of ${LIMITS.maxNodes} selections once its fragments are expanded.`,
        );
      throw error;
    }
    if (entry.costs.size < MAX_COSTS_PER_DOCUMENT) entry.costs.set(key, cost);
  }
  return cost;
}

/** Names of the variables passed as a `first` argument anywhere in the document. */
function pageSizeVariables(document: DocumentNode): string[] {
  const names = new Set<string>();
  visit(document, {
    Argument(node) {
      if (node.name.value === 'first' && node.value.kind === Kind.VARIABLE)
        names.add(node.value.name.value);
    },
  });
  return [...names].sort();
}

export function costError(cost: number): GraphQLError {
  return limitError(
    `The operation's estimated cost ${cost} exceeds the limit of ${LIMITS.maxCost}.`,
  );
}
