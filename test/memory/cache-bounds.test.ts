import { parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import {
  cachedCostCount,
  LIMITS,
  MAX_COSTS_PER_DOCUMENT,
  operationCost,
} from '../../src/limits.js';
import { buildGatewaySchema } from '../../resolvers/schema.js';

describe('caches keep to their bounds', () => {
  it('the cost cache of one document holds at most MAX_COSTS_PER_DOCUMENT page sizes, however many a caller sends', async () => {
    const schema = await buildGatewaySchema();
    const document = parse(
      `query($n: Int) { oesConnections(enterpriseId: "acme", first: $n) { items { id } } }`,
    );
    const sizes = Array.from({ length: 3 * MAX_COSTS_PER_DOCUMENT }, (_, i) => i + 1);
    const costs = sizes.map((n) => operationCost(schema, document, { n }, undefined));
    expect(cachedCostCount(document)).toBe(MAX_COSTS_PER_DOCUMENT);
    // Past the bound the estimate is still computed, and still right.
    expect(operationCost(schema, document, { n: 250 }, undefined)).toBe(costs[249]);
    expect(costs[249]).toBeGreaterThan(costs[0]);
    expect(costs.at(-1)).toBeLessThan(LIMITS.maxCost);
  });
});
