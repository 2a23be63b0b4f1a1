import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { createDb } from '../../db/connect.js';
import { changesBetween, snapshotAndChanges } from '../../db/queries/changes.js';
import { newTenant } from '../helpers/harness.js';
import { onServer } from '../helpers/server.js';

describe("the feed's reads", () => {
  it.skipIf(!onServer)(
    'are kept parsed on the server, and their generic plan enters by the xid range, never by a tenant index',
    async () => {
      const tenantId = await newTenant();
      const database = await createDb({ databaseUrl: process.env.TEST_DATABASE_URL, poolSize: 1 });
      try {
        const { db } = database;
        const { snapshot: lo } = await snapshotAndChanges(db, {
          tenantIds: [tenantId],
          lo: undefined,
          limit: 10,
        });
        // Past five runs PostgreSQL may switch a named statement to its generic plan.
        let hi = lo;
        for (let i = 0; i < 7; i++)
          ({ snapshot: hi } = await snapshotAndChanges(db, {
            tenantIds: [tenantId],
            lo,
            limit: 10,
          }));
        for (let i = 0; i < 7; i++)
          await changesBetween(db, { tenantIds: [tenantId], lo, hi, afterSeq: '0', limit: 10 });

        const { rows: kept } = await sql<{ name: string; statement: string }>`
          select name, statement from pg_prepared_statements
          where statement like '%pg_visible_in_snapshot%' order by statement`.execute(db);
        expect(kept).toHaveLength(2);

        // The plan PostgreSQL would keep, which knows none of the values: an index on
        // `tenant_id` would read every event the tenant ever had, at every read.
        await sql`set plan_cache_mode = force_generic_plan`.execute(db);
        try {
          for (const { name, statement } of kept) {
            // `explain execute` takes literals, not bind parameters.
            const [tenants, from, to] = [`{${tenantId}}`, lo, hi].map((v) => sql.lit(v));
            // In the order of the statements' text (`lo` appears twice in each).
            const args = statement.includes('$6')
              ? sql`${from}, ${tenants}, ${from}, ${to}, '0', 10`
              : sql`${from}, ${tenants}, ${from}, 10`;
            const { rows } = await sql<{
              'QUERY PLAN': string;
            }>`explain execute ${sql.raw(name)}(${args})`.execute(db);
            const plan = rows.map((r) => r['QUERY PLAN']).join('\n');
            expect(plan).toContain('audit_events_xid_idx');
            expect(plan).not.toMatch(/audit_events_(tenant|resource)_idx/);
          }
        } finally {
          await sql`reset plan_cache_mode`.execute(db);
        }
      } finally {
        await database.close();
      }
    },
  );
});
