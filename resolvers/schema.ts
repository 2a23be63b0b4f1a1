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

/** Builds the executable schema from the type-graphql classes. */
export async function buildGatewaySchema(): Promise<GraphQLSchema> {
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
  callResolversDirectly(schema);
  return schema;
}

type Storage = ReturnType<typeof getMetadataStorage>;
type ResolverDefinition = Storage['queries'][number] | Storage['fieldResolvers'][number];
type Param = NonNullable<ResolverDefinition['params']>[number];
type ParamOf = (source: unknown, args: Record<string, unknown>, context: unknown) => unknown;

/**
 * How to take one parameter straight from graphql's `(source, args, context)`, or undefined
 * when type-graphql must do it (a converted root, a context property, validation, `@Info`, a
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
    field.resolve = (source, args, context) => {
      const values = new Array<unknown>(getters.length);
      for (let i = 0; i < getters.length; i++) values[i] = getters[i](source, args, context);
      return method.apply(self, values);
    };
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
