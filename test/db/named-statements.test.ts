import { sql, type Kysely } from 'kysely';
import { describe, expect, it } from 'vitest';
import { createDb } from '../../db/connect.js';
import type { Database } from '../../db/database.js';
import { prepared } from '../../db/prepared.js';
import { ConfigError, loadConfig } from '../../src/config.js';
import { createOesConnection, createOesPartner } from '../../src/demo/builders.js';
import { appsWorld, ORG_CONNECTIONS } from '../helpers/apps.js';
import { countStatements, getHarness, gql, newTenant } from '../helpers/harness.js';
import { isolatedGateway, onServer } from '../helpers/server.js';

const namesOf = prepared(
  (db, tenantId: string) =>
    db
      .selectFrom('oes_connections')
      .select(['id', 'name'])
      .where('tenant_id', '=', tenantId)
      .orderBy('name'),
  { named: true },
);

const unnamed = prepared((db, tenantId: string) =>
  db.selectFrom('oes_connections').select(['name']).where('tenant_id', '=', tenantId),
);

/** The statements the server keeps for the session of a database with a pool of one. */
async function keptStatements(db: Kysely<Database>): Promise<string[]> {
  const { rows } = await sql<{
    statement: string;
  }>`select statement from pg_prepared_statements`.execute(db);
  return rows.map((r) => r.statement);
}

async function tenantWith(...names: string[]) {
  const { database } = await getHarness();
  const tenantId = await newTenant();
  const partnerId = await createOesPartner(database.db, { tenantId, name: 'partner' });
  const ids: string[] = [];
  for (const name of names)
    ids.push(await createOesConnection(database.db, { tenantId, partnerId, name }));
  return { tenantId, ids };
}

describe('named statements', () => {
  it.skipIf(!onServer)(
    'are parsed once per server connection and answer each run with its own values; others, or all with namedStatements off, are not kept',
    async () => {
      const a = await tenantWith('a1', 'a2');
      const b = await tenantWith('b1');
      for (const namedStatements of [true, false]) {
        const database = await createDb({
          databaseUrl: process.env.TEST_DATABASE_URL,
          poolSize: 1,
          namedStatements,
        });
        try {
          const { statements } = await countStatements(async () => {
            // PostgreSQL plans a named statement for its values five times, then may keep a
            // generic plan: past that, each run still answers its own tenant.
            for (let i = 0; i < 8; i++) {
              const t = i % 2 ? b : a;
              const rows = await namesOf(database.db, t.tenantId);
              expect(rows.map((r) => r.id)).toEqual(t.ids);
            }
            expect(await unnamed(database.db, b.tenantId)).toEqual([{ name: 'b1' }]);
          });
          // The harness counts its own database's statements only; these ran on another.
          expect(statements).toEqual([]);
          const kept = await keptStatements(database.db);
          const text =
            'select "id", "name" from "oes_connections" where "tenant_id" = $1 order by "name"';
          expect(kept).toEqual(namedStatements ? [text] : []);
        } finally {
          await database.close();
        }
      }
    },
  );

  it.skipIf(!onServer)(
    'hold the API-key lookup and the org connections page statement',
    async () => {
      const w = await appsWorld();
      const isolated = await isolatedGateway({ poolSize: 1 });
      try {
        const first = await isolated.exec(
          ORG_CONNECTIONS,
          { organisationId: w.tenantId },
          w.viewer,
        );
        expect(first.errors).toBeUndefined();
        const again = await isolated.exec(
          ORG_CONNECTIONS,
          { organisationId: w.tenantId },
          w.viewer,
        );
        expect(again).toEqual(first);
        // The same page as the harness's gateway reads it.
        expect(first).toEqual(await gql(ORG_CONNECTIONS, { organisationId: w.tenantId }, w.viewer));
        const kept = await keptStatements(isolated.database.db);
        expect(
          kept.some((s) => s.startsWith('select "k"."id"') && s.includes('from "api_keys"')),
        ).toBe(true);
        expect(
          kept.some((s) => s.startsWith('with "page" as') && s.includes('"org_connections"')),
        ).toBe(true);
      } finally {
        await isolated.close();
      }
    },
  );

  it('are on unless DB_NAMED_STATEMENTS is off; any other value is refused', () => {
    const base = {
      DATABASE_URL: 'postgresql://localhost/x',
      SECRETS_KEY: Buffer.alloc(32, 1).toString('base64'),
    };
    expect(loadConfig(base).namedStatements).toBe(true);
    expect(loadConfig({ ...base, DB_NAMED_STATEMENTS: 'on' }).namedStatements).toBe(true);
    expect(loadConfig({ ...base, DB_NAMED_STATEMENTS: 'off' }).namedStatements).toBe(false);
    expect(() => loadConfig({ ...base, DB_NAMED_STATEMENTS: 'no' })).toThrow(ConfigError);
  });
});
