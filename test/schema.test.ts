import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildGatewaySchema, printGatewaySchema } from '../resolvers/schema.js';

describe('schema.graphql', () => {
  it('is exactly the schema the code builds (run `npm run schema` after changing types)', async () => {
    const committed = readFileSync(new URL('../schema.graphql', import.meta.url), 'utf8');
    expect(printGatewaySchema(await buildGatewaySchema())).toBe(committed);
  });
});
