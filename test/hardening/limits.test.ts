import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { parse } from 'graphql';
import { LIMITS, operationCost } from '../../src/limits.js';
import { createGateway } from '../../src/server.js';
import {
  countStatements,
  getHarness,
  gql,
  TEST_SECRET_KEYS,
  testExecutor,
  testSchema,
} from '../helpers/harness.js';
import { oesWorld } from '../helpers/oes.js';

/** Runs `query` with a valid key and returns the result and the SQL it ran. */
async function run(query: string, variables: Record<string, unknown> = {}, token?: string) {
  const { result, statements } = await countStatements(() => gql(query, variables, token));
  return { result, statements };
}

const refused = (r: Awaited<ReturnType<typeof run>>, pattern: RegExp) => {
  expect(r.result.errors?.[0]?.message).toMatch(pattern);
  expect(r.result.errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
  expect(r.result.data ?? null).toBeNull();
  expect(r.statements).toEqual([]);
};
const accepted = (r: Awaited<ReturnType<typeof run>>) => {
  expect(r.result.errors, JSON.stringify(r.result.errors)).toBeUndefined();
  expect(r.statements.length).toBeGreaterThan(0);
};

describe('operation limits (each refused before any SQL runs)', () => {
  it(`aliases: ${LIMITS.maxAliases} pass, one more is refused`, async () => {
    const w = await oesWorld();
    const doc = (n: number) =>
      `{ ${Array.from({ length: n }, (_, i) => `a${i}: viewer { id }`).join(' ')} }`;
    accepted(await run(doc(LIMITS.maxAliases), {}, w.viewer));
    refused(await run(doc(LIMITS.maxAliases + 1), {}, w.viewer), /alias limit/);
  });

  it(`directives: ${LIMITS.maxDirectives} pass, one more is refused`, async () => {
    const w = await oesWorld();
    const doc = (n: number) =>
      `{ viewer { id ${Array.from({ length: n }, () => 'kind @include(if: true)').join(' ')} } }`;
    accepted(await run(doc(LIMITS.maxDirectives), {}, w.viewer));
    refused(await run(doc(LIMITS.maxDirectives + 1), {}, w.viewer), /directive limit/);
  });

  it(`tokens: ${LIMITS.maxTokens} parse, one more is refused by the parser`, async () => {
    const w = await oesWorld();
    // `{ viewer { id` + distinct names + `} }`: 6 tokens around the padding. The padding is
    // not a valid selection (validation then rejects it), but it must get past the parser.
    const doc = (tokens: number) =>
      `{ viewer { id ${Array.from({ length: tokens - 6 }, (_, i) => `f${i}`).join(' ')} } }`;
    const inside = await run(doc(LIMITS.maxTokens), {}, w.viewer);
    expect(inside.result.errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    const outside = await run(doc(LIMITS.maxTokens + 1), {}, w.viewer);
    expect(outside.result.errors?.[0]?.extensions?.code).toBe('GRAPHQL_PARSE_FAILED');
    expect(outside.result.errors?.[0]?.message).toMatch(/more that 5000 tokens/);
    expect([...inside.statements, ...outside.statements]).toEqual([]);
    accepted(await run(`{ viewer { id ${'kind '.repeat(40)}} }`, {}, w.viewer));
  });

  it(`mutations per operation: ${LIMITS.maxMutationFields} pass, one more is refused`, async () => {
    const w = await oesWorld();
    const doc = (n: number) =>
      `mutation { ${Array.from(
        { length: n },
        (_, i) =>
          `m${i}: updateOesConnection(enterpriseId: "${w.tenantId}", connectionId: "${w.connectionId}", input: { name: "n${i}" }) { __typename }`,
      ).join(' ')} }`;
    accepted(await run(doc(LIMITS.maxMutationFields), {}, w.admin));
    refused(await run(doc(LIMITS.maxMutationFields + 1), {}, w.admin), /at most 5 mutations/);
  });

  it('cost: sees `first` given as a variable; the largest page size within the limit passes, one more is refused', async () => {
    const w = await oesWorld();
    const { gateway } = await getHarness();
    const aliases = 21;
    const doc = `query($n: Int) { ${Array.from({ length: aliases }, (_, i) => `p${i}: oesConnections(enterpriseId: "${w.tenantId}", first: $n) { ...Page }`).join(' ')} }
      fragment Page on OesConnectionPage { items { id name active version createdAt updatedAt enterpriseId partner { id name } } pageInfo { endCursor hasNextPage } }`;
    const cost = (n: number) => operationCost(gateway.schema, parse(doc), { n }, undefined);
    let n = 1;
    while (cost(n + 1) <= LIMITS.maxCost) n++;
    expect(n).toBeGreaterThan(1);
    expect(n).toBeLessThan(100);
    accepted(await run(doc, { n }, w.viewer));
    refused(await run(doc, { n: n + 1 }, w.viewer), /estimated cost/);
  });

  it('cost: fan-out through fragments is paid for (a short document cannot ask for a huge answer)', async () => {
    const w = await oesWorld();
    const doc = (pages: number) => `query($t: ID!) { ...Q }
      fragment Q on Query { ${Array.from({ length: pages }, (_, i) => `p${i}: oesConnections(enterpriseId: $t, first: 100) { ...P }`).join(' ')} }
      fragment P on OesConnectionPage { a: items { ...I } b: items { ...I } c: items { ...I } d: items { ...I } }
      fragment I on OesConnection { id name active version createdAt updatedAt enterpriseId partner { id name } }`;
    accepted(await run(doc(2), { t: w.tenantId }, w.viewer));
    const r = await run(doc(6), { t: w.tenantId }, w.viewer); // 30 aliases once expanded: within that limit
    refused(r, /estimated cost/);
    expect(doc(6).length).toBeLessThan(1_000);
  });

  it('a parse error quoting a literal does not echo it', async () => {
    const r = await run('{ viewer(x: "hunter2-canary" { id } }');
    expect(r.result.errors?.[0]?.extensions?.code).toBe('GRAPHQL_PARSE_FAILED');
    expect(JSON.stringify(r.result)).not.toContain('hunter2-canary');
    expect(r.statements).toEqual([]);
  });
});

describe('production mode', () => {
  it('refuses introspection and gives no "Did you mean" suggestions or stack traces', async () => {
    const { database } = await getHarness();
    const gateway = await createGateway({
      schema: await testSchema(),
      executor: testExecutor,
      db: database.db,
      logger: pino({ level: 'silent' }),
      production: true,
      secretKeys: TEST_SECRET_KEYS,
    });
    const exec = async (query: string) => {
      const contextValue = await gateway.contextFor({});
      const res = await gateway.apollo.executeOperation({ query }, { contextValue });
      return res.body.kind === 'single' ? res.body.singleResult : null;
    };
    const introspection = await exec('{ __schema { types { name } } }');
    expect(introspection?.errors?.[0]?.message).toMatch(/introspection/i);
    const typo = await exec('{ viewr { id } }');
    expect(typo?.errors?.[0]?.message).toBe('Cannot query field "viewr" on type "Query".');
    expect(JSON.stringify(typo)).not.toMatch(/stacktrace|Did you mean/);
    await gateway.apollo.stop();
  });
});

describe('variables of the wrong type', () => {
  it('are BAD_USER_INPUT with the value redacted, and run no SQL', async () => {
    const w = await oesWorld();
    const q = `mutation($i: UpdateOesConnectionInput!) { updateOesConnection(enterpriseId: "${w.tenantId}", connectionId: "${w.connectionId}", input: $i) { __typename } }`;
    for (const i of [
      { name: 424242 },
      { active: 'hunter2-canary' },
      { nmae: 'hunter2-canary' },
      { active: null, name: ['hunter2-canary'] },
      // An array for the input object: graphql-jit 0.8 alone would take it (an empty change).
      [],
      [{ name: 'hunter2-canary' }],
    ]) {
      const r = await run(q, { i }, w.admin);
      expect(r.result.errors?.[0]?.extensions?.code, JSON.stringify(i)).toBe('BAD_USER_INPUT');
      expect(JSON.stringify(r.result)).not.toMatch(/hunter2-canary|424242/);
      expect(r.statements).toEqual([]);
    }
  });
});

describe('deeply nested variables', () => {
  /** `{ a: { a: … } }`, `depth` levels: far deeper than a recursive walk's stack allows. */
  const nested = (depth: number) => {
    let value: Record<string, unknown> = {};
    for (let i = 0; i < depth; i++) value = { a: value };
    return value;
  };

  it('an undeclared variable nested 100,000 deep is ignored, as graphql-js ignores it', async () => {
    const w = await oesWorld();
    const r = await run('{ __typename }', { x: nested(100_000) }, w.viewer);
    expect(r.result.errors).toBeUndefined();
    expect(r.result.data).toEqual({ __typename: 'Query' });
  });

  it('a declared input nested 100,000 deep is BAD_USER_INPUT, and runs no SQL', async () => {
    const w = await oesWorld();
    const q = `mutation($i: UpdateOesConnectionInput!) { updateOesConnection(enterpriseId: "${w.tenantId}", connectionId: "${w.connectionId}", input: $i) { __typename } }`;
    const r = await run(q, { i: { name: 'x', extra: nested(100_000) } }, w.admin);
    expect(r.result.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(r.statements).toEqual([]);
  });
});

describe('depth', () => {
  /** connectorConnections → items → credentials → action → credential → usages → connection → … */
  const CYCLE = ['credentials', 'action', 'credential', 'usages', 'connection'];
  const chain = (tenantId: string, objectFields: number) => {
    const fields = ['items'];
    while (fields.length < objectFields - 1) fields.push(CYCLE[(fields.length - 1) % CYCLE.length]);
    return `{ connectorConnections(organisationId: "${tenantId}", first: 1) { ${fields.map((f) => `${f} {`).join(' ')} id ${'} '.repeat(fields.length)}} }`;
  };

  it(`the deepest legitimate queries pass; depth ${LIMITS.maxDepth} passes, ${LIMITS.maxDepth + 1} is refused before any SQL`, async () => {
    const w = await oesWorld();
    const legitRead = `{ connectorConnections(organisationId: "${w.tenantId}", first: 100) { items { credentials { action { authSchemeConfig { validationMessages { text } } credential { usages { connection { connector { name } } } } } } } } }`;
    accepted(await run(legitRead, {}, w.viewer));
    const legitMutation = `mutation { updateConnectorConnection(organisationId: "${w.tenantId}", connectorId: "${w.connectionId}", connectionId: "${w.connectionId}", input: { name: "x" }) {
      __typename ... on UpdateConnectorConnectionSuccess { connection { credentials { action { credential { usages { connection { connector { name } } } } } } } } } }`;
    accepted(await run(legitMutation, {}, w.admin));
    // depth = object fields on the path + the leaf
    accepted(await run(chain(w.tenantId, LIMITS.maxDepth - 1), {}, w.viewer));
    refused(await run(chain(w.tenantId, LIMITS.maxDepth), {}, w.viewer), /depth limit/);
  });
});

describe('limits count what runs once fragments are expanded (inline, named, nested)', () => {
  /** `n` fields with distinct aliases, for the selection of `type`. */
  const fields = (n: number, field: (i: number) => string) =>
    Array.from({ length: n }, (_, i) => field(i)).join(' ');

  it('mutations: six behind an inline fragment, named fragments or nested ones are refused; five pass', async () => {
    const w = await oesWorld();
    const m = (i: number) =>
      `x${i}: updateOesConnection(enterpriseId: "${w.tenantId}", connectionId: "${w.connectionId}", input: { name: "f${i}" }) { __typename }`;
    const max = LIMITS.maxMutationFields;
    refused(
      await run(`mutation { ... on Mutation { ${fields(max + 1, m)} } }`, {}, w.admin),
      /at most 5 mutations \(found 6\)/,
    );
    refused(
      await run(`mutation { ...M } fragment M on Mutation { ${fields(max + 1, m)} }`, {}, w.admin),
      /at most 5 mutations/,
    );
    refused(
      await run(
        `mutation { ${m(0)} ... on Mutation { ...A } }
         fragment A on Mutation { ${m(1)} ... on Mutation { ...B } }
         fragment B on Mutation { ${m(2)} ${m(3)} ${m(4)} ${m(5)} }`,
        {},
        w.admin,
      ),
      /at most 5 mutations \(found 6\)/,
    );
    // thirty through one fragment, the shape of the attack
    refused(
      await run(`mutation { ... on Mutation { ${fields(30, m)} } }`, {}, w.admin),
      /found 30/,
    );
    // the same response key twice is one call (the executor merges it): not double-counted
    accepted(
      await run(
        `mutation { ...M ...M ... on Mutation { ...M } } fragment M on Mutation { ${fields(max, m)} }`,
        {},
        w.admin,
      ),
    );
  });

  it('mutations: a fragment cycle is refused by validation without the counter looping', async () => {
    const w = await oesWorld();
    const r = await run(
      `mutation { ...A } fragment A on Mutation { x: updateOesConnection(enterpriseId: "${w.tenantId}", connectionId: "${w.connectionId}", input: { name: "c" }) { __typename } ...B } fragment B on Mutation { ...A }`,
      {},
      w.admin,
    );
    expect(r.result.errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(r.result.errors?.map((e) => e.message).join(' ')).toMatch(/Cannot spread fragment/);
    expect(r.statements).toEqual([]);
  });

  it(`aliases: an aliased __typename counts; ${LIMITS.maxAliases + 1} of them are refused`, async () => {
    const w = await oesWorld();
    const doc = (n: number) => `{ ${fields(n, (i) => `t${i}: __typename`)} }`;
    const inside = await run(doc(LIMITS.maxAliases), {}, w.viewer);
    expect(inside.result.errors).toBeUndefined();
    refused(await run(doc(LIMITS.maxAliases + 1), {}, w.viewer), /alias limit/);
    refused(
      await run(
        `{ viewer { ${fields(LIMITS.maxAliases + 1, (i) => `t${i}: __typename`)} } }`,
        {},
        w.viewer,
      ),
      /alias limit/,
    );
  });

  it('aliases: counted through inline, named and nested fragments (and per spread)', async () => {
    const w = await oesWorld();
    const half = Math.ceil((LIMITS.maxAliases + 1) / 2);
    refused(
      await run(
        `{ ... on Query { ...A } } fragment A on Query { ${fields(half, (i) => `a${i}: viewer { id }`)} ...B }
         fragment B on Query { ... on Query { ${fields(half, (i) => `b${i}: viewer { id }`)} } }`,
        {},
        w.viewer,
      ),
      /alias limit/,
    );
    // one fragment of 16 aliases spread twice: 32 aliases once expanded
    refused(
      await run(
        `{ viewer { ...V } again: viewer { ...V } } fragment V on Viewer { ${fields(16, (i) => `i${i}: id`)} }`,
        {},
        w.viewer,
      ),
      /alias limit/,
    );
  });

  it('directives: counted through named and inline fragments', async () => {
    const w = await oesWorld();
    const half = Math.ceil((LIMITS.maxDirectives + 1) / 2);
    const d = (n: number) => fields(n, () => 'kind @include(if: true)');
    refused(
      await run(
        `{ viewer { ...V ... on Viewer { ${d(half)} } } } fragment V on Viewer { ${d(half)} }`,
        {},
        w.viewer,
      ),
      /directive limit/,
    );
  });

  it('depth: counted through named and inline fragments', async () => {
    const w = await oesWorld();
    // the chain of the depth test, depth 11, cut into fragments at three levels
    const r = await run(
      `{ ...Q } fragment Q on Query { connectorConnections(organisationId: "${w.tenantId}", first: 1) { items { ...C } } }
       fragment C on ConnectorConnection { credentials { ... on ConnectionCredentials { action { credential { usages { ...U } } } } } }
       fragment U on CredentialUsage { connection { credentials { action { credential { id } } } } }`,
      {},
      w.viewer,
    );
    refused(r, /depth limit/);
  });
});
