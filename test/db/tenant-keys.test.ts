import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { partnersByKeys } from '../../db/queries/oes.js';
import { createOesPartner } from '../../src/demo/builders.js';
import { getHarness, newTenant } from '../helpers/harness.js';

describe('batch key filter', () => {
  it('finds exactly the tenant’s rows of a large batch (PGlite matched nothing with a ~280+ tuple list)', async () => {
    const { database } = await getHarness();
    const tenantId = await newTenant();
    const other = await newTenant();
    const found = [];
    for (let i = 0; i < 3; i++)
      found.push(await createOesPartner(database.db, { tenantId, name: `p${i}` }));
    const foreign = await createOesPartner(database.db, { tenantId: other, name: 'theirs' });
    const ids = [
      ...found,
      foreign, // another tenant's row, asked for under this tenant
      ...Array.from({ length: 996 }, () => randomUUID()),
    ];
    const rows = await partnersByKeys(database.db, tenantId, ids);
    expect(rows.map((r) => r.id).sort()).toEqual([...found].sort());
    expect(await partnersByKeys(database.db, other, ids)).toMatchObject([{ id: foreign }]);
  });
});
