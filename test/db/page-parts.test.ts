import { describe, expect, it } from 'vitest';
import type { Kysely, SelectQueryBuilder } from 'kysely';
import type { Database } from '../../db/database.js';
import { pageKeys, pageReader, partsShape } from '../../db/queries/page-parts.js';
import { inTenant } from '../../db/queries/tenant-keys.js';
import { countStatements, getHarness } from '../helpers/harness.js';
import { oesWorld } from '../helpers/oes.js';

/** How often the reader below built its statement with Kysely. */
let built = 0;

const oesPage = pageReader(
  { rows: ['created_at', 'updated_at'], parts: { partners: ['created_at'] } },
  (db: Kysely<Database>, wanted: { partners?: boolean }, tenantId: string) => {
    built++;
    const parts: Record<string, SelectQueryBuilder<any, any, any>> = {};
    if (wanted.partners)
      parts.partners = db
        .selectFrom('oes_partners')
        .selectAll()
        .where(inTenant('tenant_id', 'id', tenantId, pageKeys('partner_id')));
    return {
      query: db.selectFrom('oes_connections').selectAll().where('tenant_id', '=', tenantId),
      parts,
    };
  },
);

/** A tenant with three OES connections, one second apart, to one partner. */
async function world() {
  const { tenantId, connectionIds } = await oesWorld({ connections: 3 });
  return { tenantId, ids: connectionIds };
}

describe('pages read with their parts', () => {
  it('build each shape’s statement once, then run it with each read’s own values', async () => {
    const { database } = await getHarness();
    const [a, b] = [await world(), await world()];
    const withPartners = () => partsShape({ partners: true });

    const first = await countStatements(() =>
      oesPage(database.db, withPartners(), { first: 2, after: null }, a.tenantId),
    );
    expect(first.result.rows.map((r) => r.id)).toEqual(a.ids);
    expect(first.result.parts.partners).toHaveLength(1);
    expect(first.result.rows[0].created_at).toBeInstanceOf(Date);
    expect(first.result.parts.partners[0].created_at).toBeInstanceOf(Date);
    const builtOnce = built;
    expect(builtOnce).toBeGreaterThan(0);

    // Another tenant, another size: the same statement, not built again.
    const other = await countStatements(() =>
      oesPage(database.db, withPartners(), { first: 1, after: null }, b.tenantId),
    );
    expect(built).toBe(builtOnce);
    expect(other.result.rows.map((r) => r.id)).toEqual(b.ids.slice(0, 2));
    expect(other.statements).toEqual(first.statements);

    // A cursor is a shape of its own, built once too.
    const last = first.result.rows[1];
    const after = { createdAt: last.created_at, id: last.id };
    const next = await oesPage(database.db, withPartners(), { first: 2, after }, a.tenantId);
    expect(next.rows.map((r) => r.id)).toEqual([a.ids[2]]);
    expect(next.parts.partners).toHaveLength(1);
    const builtWithCursor = built;
    expect(builtWithCursor).toBeGreaterThan(builtOnce);
    const bLast = other.result.rows[0];
    const bNext = await oesPage(
      database.db,
      withPartners(),
      { first: 5, after: { createdAt: bLast.created_at, id: bLast.id } },
      b.tenantId,
    );
    expect(bNext.rows.map((r) => r.id)).toEqual(b.ids.slice(1));
    expect(built).toBe(builtWithCursor);

    // Other parts: another shape, whose answer has only its own parts.
    const bare = await oesPage(
      database.db,
      partsShape({ partners: false }),
      { first: 5, after: null },
      a.tenantId,
    );
    expect(built).toBeGreaterThan(builtWithCursor);
    expect(bare.rows.map((r) => r.id)).toEqual(a.ids);
    expect(bare.parts).toEqual({});
  });
});
