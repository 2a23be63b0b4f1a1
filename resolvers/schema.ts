import 'reflect-metadata';
import {
  GraphQLObjectType,
  lexicographicSortSchema,
  printSchema,
  type GraphQLFieldResolver,
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
  });
  callFieldResolversDirectly(schema);
  return schema;
}

/**
 * type-graphql calls every `@FieldResolver` through a generic wrapper: per call it builds a
 * resolver-data object, looks the resolver instance up in its container, runs the middleware
 * chain, and sorts and maps the parameter list. A page of 100 items with three nested fields
 * pays that 300 times. Ours take only `@Root()` and `@Ctx()` and use no middleware, roles or
 * validation, so their GraphQL fields call the method directly, with the same arguments;
 * a resolver that ever needs more than that keeps type-graphql's wrapper.
 */
function callFieldResolversDirectly(schema: GraphQLSchema): void {
  const storage = getMetadataStorage();
  const instances = new Map<new () => object, Record<string, unknown>>();
  for (const def of storage.fieldResolvers) {
    if (
      def.kind !== 'external' ||
      (def.middlewares?.length ?? 0) > 0 ||
      (def.roles?.length ?? 0) > 0
    )
      continue;
    const params = [...(def.params ?? [])].sort((a, b) => a.index - b.index);
    const [root, context] = params;
    const simple =
      params.length === 2 &&
      root.kind === 'root' &&
      !root.propertyName &&
      !root.getType &&
      context.kind === 'context' &&
      !context.propertyName;
    if (!simple) continue;
    const typeClass = def.getObjectType?.();
    const typeName = storage.objectTypes.find((t) => t.target === typeClass)?.name;
    const type = typeName ? schema.getType(typeName) : undefined;
    const field = type instanceof GraphQLObjectType ? type.getFields()[def.schemaName] : undefined;
    if (!field) continue;
    const target = def.target as new () => object;
    let instance = instances.get(target);
    if (!instance) instances.set(target, (instance = new target() as Record<string, unknown>));
    const method = instance[def.methodName] as (root: unknown, context: unknown) => unknown;
    const self = instance;
    const resolve: GraphQLFieldResolver<unknown, unknown> = (source, _args, ctx) =>
      method.call(self, source, ctx);
    field.resolve = resolve;
  }
}

/** `schema.graphql` as committed: the sorted, printed schema. */
export function printGatewaySchema(schema: GraphQLSchema): string {
  return `${printSchema(lexicographicSortSchema(schema))}\n`;
}
