import 'reflect-metadata';
import {
  GraphQLObjectType,
  lexicographicSortSchema,
  printSchema,
  type GraphQLField,
  type GraphQLSchema,
} from 'graphql';
import { buildSchema, getMetadataStorage } from 'type-graphql';
import { resolvers } from './index.js';

/**
 * Builds the executable schema from the type-graphql classes. With `callDirectly` (the
 * default) every resolver that can be is called without type-graphql's per-call wrapper;
 * `false` keeps the library's own path everywhere (the `GATEWAY_EXECUTOR=graphql-js` escape
 * hatch, which CI runs the suite on too).
 */
export async function buildGatewaySchema(
  options: { callDirectly?: boolean } = {},
): Promise<GraphQLSchema> {
  const schema = await buildSchema({
    resolvers,
    validate: false,
    emitSchemaFile: false,
    // type-graphql insists on a PubSub once a @Subscription exists; ours has its own
    // `subscribe` (the change feed) and never publishes through type-graphql.
    pubSub: {
      publish: () => {
        throw new Error('the gateway publishes changes through the database, not PubSub');
      },
      subscribe: () => {
        throw new Error('the gateway subscribes to changes through the change feed');
      },
    },
  });
  if (options.callDirectly ?? true) callResolversDirectly(schema);
  describeRootTypes(schema);
  return schema;
}

/** Marks a field whose resolver `callResolversDirectly` replaced (see `directlyCalledFields`). */
const DIRECT = 'cgwCalledDirectly';

/**
 * The fields (`Type.field`) whose resolvers are called directly, sorted. A test pins this list:
 * the direct path leans on type-graphql's metadata storage, and a change there would otherwise
 * silently send every field back through the wrapper.
 */
export function directlyCalledFields(schema: GraphQLSchema): string[] {
  const fields: string[] = [];
  for (const type of Object.values(schema.getTypeMap())) {
    if (!(type instanceof GraphQLObjectType)) continue;
    for (const field of Object.values(type.getFields()))
      if (field.extensions[DIRECT] === true) fields.push(`${type.name}.${field.name}`);
  }
  return fields.sort();
}

/**
 * type-graphql has no option for the root types' descriptions, so they are set on the built
 * schema (graphql-js keeps `description` as a plain property).
 */
function describeRootTypes(schema: GraphQLSchema): void {
  const query = schema.getQueryType();
  const mutation = schema.getMutationType();
  const subscription = schema.getSubscriptionType();
  if (query) {
    query.description =
      'Reads. Every query needs credentials (`Authorization: Bearer <API key or JWT>`) and connections:read in the tenant, except `viewer`. Failures are top-level errors with extensions.code: UNAUTHENTICATED, FORBIDDEN (not a member, no permission or no licence), BAD_USER_INPUT (a malformed tenant id, `first` out of range, a foreign cursor). A connection that does not exist, or that belongs to a tenant you cannot read, is null.';
  }
  if (subscription) {
    subscription.description =
      'Live changes, over GraphQL over WebSocket (protocol graphql-transport-ws) at /graphql, with `{ "authorization": "Bearer <token>" }` as the connection_init payload. Over HTTP a subscription is refused.';
  }
  if (mutation) {
    mutation.description =
      "Changes, one per connection service. Each returns a union of its <Name>Success and the error types (InvalidInputError, AuthenticationError, PermissionDeniedError, NotFoundError, ConflictError): expected failures are data, selected with `... on Error { code message }`; only unexpected faults are top-level errors (INTERNAL_SERVER_ERROR, SERVICE_UNAVAILABLE). Checks run in this order and the first failure answers: credentials, input (all field errors at once), membership, permission, licence, existence, version, the service's rules. A change that changes something bumps `version` by 1 and writes one audit event; one that changes nothing succeeds with neither.";
  }
}

type Storage = ReturnType<typeof getMetadataStorage>;
type ResolverDefinition = Storage['queries'][number] | Storage['fieldResolvers'][number];
type Param = NonNullable<ResolverDefinition['params']>[number];
type ParamOf = (
  source: unknown,
  args: Record<string, unknown>,
  context: unknown,
  info: unknown,
) => unknown;

/**
 * How to take one parameter straight from graphql's `(source, args, context, info)`, or
 * undefined when type-graphql must do it (a converted root, a context property, validation, a
 * custom decorator).
 */
function paramOf(param: Param): ParamOf | undefined {
  switch (param.kind) {
    case 'root':
      return param.propertyName || param.getType ? undefined : (source) => source;
    case 'context':
      return param.propertyName ? undefined : (_source, _args, context) => context;
    case 'arg': {
      if (param.validateSettings !== undefined || param.validateFn) return undefined;
      const { name } = param;
      return (_source, args) => args[name];
    }
    case 'args':
      return param.validateSettings !== undefined || param.validateFn
        ? undefined
        : (_source, args) => args;
    case 'info':
      return (_source, _args, _context, info) => info;
    default:
      return undefined;
  }
}

/**
 * type-graphql calls every resolver through a generic wrapper: per call it builds a
 * resolver-data object, looks the resolver instance up in its container, runs the middleware
 * chain, sorts and maps the parameter list and copies input objects into class instances.
 * A page of 100 items with three nested fields pays that 300 times, and every operation at
 * least once. Ours use no middleware, roles or validation, and take only `@Root()`, `@Ctx()`,
 * `@Arg()` and `@Args()` (input objects are read as plain data, never as class instances), so
 * their GraphQL fields call the method directly with the same values; a resolver that ever
 * needs more keeps type-graphql's wrapper.
 */
function callResolversDirectly(schema: GraphQLSchema): void {
  const storage = getMetadataStorage();
  const instances = new Map<Function, Record<string, unknown>>();
  const rewire = (def: ResolverDefinition, field: GraphQLField<unknown, unknown> | undefined) => {
    if (!field || (def.middlewares?.length ?? 0) > 0 || (def.roles?.length ?? 0) > 0) return;
    const params = [...(def.params ?? [])].sort((a, b) => a.index - b.index).map(paramOf);
    if (params.some((p) => p === undefined)) return;
    const getters = params as ParamOf[];
    const target = def.target as new () => Record<string, unknown>;
    let instance = instances.get(target);
    if (!instance) instances.set(target, (instance = new target()));
    const method = instance[def.methodName] as (...values: unknown[]) => unknown;
    const self = instance;
    field.resolve = (source, args, context, info) => {
      const values = new Array<unknown>(getters.length);
      for (let i = 0; i < getters.length; i++) values[i] = getters[i](source, args, context, info);
      return method.apply(self, values);
    };
    field.extensions = { ...field.extensions, [DIRECT]: true };
  };
  const rootFields = (type: GraphQLObjectType | null | undefined) => type?.getFields() ?? {};
  for (const def of storage.queries) rewire(def, rootFields(schema.getQueryType())[def.schemaName]);
  for (const def of storage.mutations)
    rewire(def, rootFields(schema.getMutationType())[def.schemaName]);
  for (const def of storage.fieldResolvers) {
    if (def.kind !== 'external') continue;
    const typeClass = def.getObjectType?.();
    const typeName = storage.objectTypes.find((t) => t.target === typeClass)?.name;
    const type = typeName ? schema.getType(typeName) : undefined;
    rewire(def, type instanceof GraphQLObjectType ? type.getFields()[def.schemaName] : undefined);
  }
}

/** `schema.graphql` as committed: the sorted, printed schema. */
export function printGatewaySchema(schema: GraphQLSchema): string {
  return `${printSchema(lexicographicSortSchema(schema))}\n`;
}
