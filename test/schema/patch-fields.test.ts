import { GraphQLInputObjectType, GraphQLObjectType, isNonNullType } from 'graphql';
import { describe, expect, it } from 'vitest';
import { buildGatewaySchema } from '../../resolvers/schema.js';
import {
  PATCH_FIELD_NAMES,
  PATCH_FIELDS,
  PLAIN_FIELDS,
} from '../../src/services/databases/rules.js';

describe('PATCH_FIELDS and the GraphQL types', () => {
  it('every plain field is on DatabaseConnection with its input type, non-null unless optional', async () => {
    const schema = await buildGatewaySchema();
    const input = schema.getType('PatchDatabaseConnectionInput') as GraphQLInputObjectType;
    const output = schema.getType('DatabaseConnection') as GraphQLObjectType;
    expect(Object.keys(input.getFields()).sort()).toEqual(
      [...PATCH_FIELD_NAMES, 'expectedVersion'].sort(),
    );
    for (const field of PLAIN_FIELDS) {
      const read = output.getFields()[field];
      expect(read, `DatabaseConnection.${field}`).toBeDefined();
      expect(isNonNullType(read.type), field).toBe(!PATCH_FIELDS[field].nullable);
      const readType = isNonNullType(read.type) ? read.type.ofType : read.type;
      expect(String(readType), field).toBe(String(input.getFields()[field].type));
    }
  });
});
