import { describe, expect, it } from 'vitest';
import { getVariableValues, parse, type OperationDefinitionNode } from 'graphql';
import { jitExecutor } from '../../src/executor.js';
import { testSchema } from '../helpers/harness.js';

/**
 * The admission check takes graphql-jit's verdict on an operation's variables when it accepts
 * them, and asks graphql-js only otherwise (`JitExecutor.variablesCoerce`, `src/server.ts`).
 * That is only right while graphql-jit refuses everything graphql-js refuses: this holds the
 * two to the same verdict on the schema's input types, with values of every JSON kind. It
 * fails when an upgrade of either library changes how it coerces.
 */
const VALUES: unknown[] = [
  undefined,
  null,
  0,
  1,
  -1,
  1.5,
  2 ** 31,
  2 ** 31 - 1,
  -(2 ** 31),
  1e300,
  '',
  '1',
  'abc',
  'REQUIRE',
  'VERIFY_CA',
  'require',
  true,
  false,
  [],
  [1],
  ['a', 'b'],
  ['a', null],
  [[1]],
  {},
  { a: 1 },
  { a: { b: 1 } },
  { name: 'x' },
  { name: 42 },
  { nmae: 'x' },
  { name: null },
  { active: 'yes' },
  { active: true, name: 'x' },
  { enabled: true, mode: 'VERIFY_CA' },
  { enabled: 'yes' },
  { mode: 'nope' },
  { ssl: { enabled: true } },
  { ssl: { mode: 'REQUIRE', extra: 1 } },
  { metadata: { a: 'b' } },
  { metadata: 'x' },
  { metadata: [1] },
  { port: '5432' },
  { port: 5432.5 },
  { action: [], trigger: [] },
  { action: [{ id: '1', authSchemeConfigId: '2' }], trigger: [] },
  { action: [{ id: '1' }], trigger: [] },
  { action: { id: '1', authSchemeConfigId: '2' }, trigger: [] },
  { name: 'a', value: 'b' },
  { name: ['x'] },
  { ssl: [] },
  { ssl: [{ enabled: true }] },
  { metadata: { a: [1] } },
  { metadata: { a: null } },
  [{ name: 'x' }],
];

const TYPES = [
  'Int',
  'Int!',
  'Int = 5',
  'Float',
  'Boolean!',
  'String',
  'ID!',
  '[String!]',
  '[ID!]!',
  '[[Int]]',
  'JSON',
  'JSONObject',
  'DatabaseSslMode',
  'DatabaseSslInput',
  'PatchDatabaseConnectionInput!',
  'UpdateOesConnectionInput!',
  'ConnectionCredentialsInput!',
  '[ConnectionVariableInput!]',
];

describe('variables: graphql-jit’s verdict and graphql-js’s', () => {
  it('graphql-jit never accepts what graphql-js refuses; without arrays they agree', async () => {
    const schema = await testSchema();
    const jit = jitExecutor(schema);
    const accepted: string[] = [];
    const differ: string[] = [];
    for (const type of TYPES) {
      const operation = parse(`query($x: ${type}) { __typename }`)
        .definitions[0] as OperationDefinitionNode;
      for (const value of VALUES) {
        for (const variables of value === undefined ? [{ x: value }, {}] : [{ x: value }]) {
          const what = `${type} ${JSON.stringify(variables)}`;
          const byJs = !getVariableValues(schema, operation.variableDefinitions ?? [], variables)
            .errors;
          const byJit = jit.variablesCoerce(operation, variables);
          // The admission check runs on graphql-jit's true alone: that must never let through
          // what graphql-js refuses. (Its false only hands the decision to graphql-js.)
          if (byJit && !byJs) accepted.push(what);
          if (!JSON.stringify(variables).includes('[') && byJit !== byJs) differ.push(what);
        }
      }
    }
    expect(accepted).toEqual([]);
    // Array-free variables take the fast path whenever graphql-js accepts them.
    expect(differ).toEqual([]);
  });

  it('an array where an input object is due: graphql-jit 0.8 takes it, so arrays go to graphql-js', async () => {
    const schema = await testSchema();
    const operation = parse('query($x: UpdateOesConnectionInput!) { __typename }')
      .definitions[0] as OperationDefinitionNode;
    expect(
      getVariableValues(schema, operation.variableDefinitions!, { x: [] }).errors,
    ).toHaveLength(1);
    expect(jitExecutor(schema).variablesCoerce(operation, { x: [] })).toBe(false);
  });
});
