import { sql, type Kysely } from 'kysely';
import { describe, expect, it } from 'vitest';
import { createDb } from '../../db/connect.js';
import type { Database } from '../../db/database.js';
import { nameStatement, statementName } from '../../db/named-statements.js';
import { MAX_NAMED_SHAPES, prepared, StatementShape } from '../../db/prepared.js';
import { ConfigError, loadConfig } from '../../src/config.js';
import { createOesConnection, createOesPartner } from '../../src/demo/builders.js';
import { appsWorld, ORG_CONNECTIONS } from '../helpers/apps.js';
import { dbWorld, patchDb } from '../helpers/databases.js';
import { countStatements, getHarness, gql, newTenant } from '../helpers/harness.js';
import { oesWorld, UPDATE_OES } from '../helpers/oes.js';
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

  it.skipIf(!onServer)(
    'hold every statement of a database connection patch and of an OES update and read, none reading *',
    async () => {
      const d = await dbWorld();
      const o = await oesWorld();
      const isolated = await isolatedGateway({ poolSize: 1 });
      try {
        for (const name of ['renamed-1', 'renamed-2']) {
          const patched = await patchDb(
            d.connectionId,
            { name, port: 6543 },
            d.admin,
            (query, variables, token) => isolated.exec(query, variables ?? {}, token),
          );
          expect(patched.__typename).toBe('PatchDatabaseConnectionSuccess');
          expect(patched.connection).toMatchObject({ name, port: 6543, hasPassword: true });
        }
        const updated = await isolated.exec(
          UPDATE_OES,
          { enterpriseId: o.tenantId, connectionId: o.connectionId, input: { name: 'Renamed' } },
          o.admin,
        );
        expect(updated.data?.updateOesConnection).toMatchObject({
          __typename: 'UpdateOesConnectionSuccess',
          connection: { name: 'Renamed', version: 2 },
        });
        // The read by id that the change feed makes for every OES change it delivers.
        const read = await isolated.exec(
          `query ($e: ID!, $c: ID!) { oesConnection(enterpriseId: $e, connectionId: $c) { name } }`,
          { e: o.tenantId, c: o.connectionId },
          o.admin,
        );
        expect(read.data?.oesConnection).toEqual({ name: 'Renamed' });
        const kept = await keptStatements(isolated.database.db);
        const expected: [string, (s: string) => boolean][] = [
          [
            'the patch lock',
            (s) =>
              s.startsWith('select "id", "tenant_id", "name"') &&
              s.endsWith('for update') &&
              s.includes('from "database_connections"'),
          ],
          ['the active jobs check', (s) => s.includes('from "database_jobs"')],
          ['the name lock', (s) => s.startsWith('select pg_advisory_xact_lock(')],
          ['the name check', (s) => s.startsWith('select "id" from "database_connections"')],
          [
            'the patch update',
            (s) => s.startsWith('update "database_connections"') && s.includes('returning "id"'),
          ],
          ['the audit insert', (s) => s.startsWith('insert into "audit_events"')],
          ['the licence lookup', (s) => s.includes('from "tenant_entitlements"')],
          ['the OES lock', (s) => s.includes('from "oes_connections"') && s.endsWith('for update')],
          [
            'the OES read by id',
            (s) => s.includes('from "oes_connections"') && !s.endsWith('for update'),
          ],
          [
            'the OES update',
            (s) => s.startsWith('update "oes_connections"') && s.includes('returning "id"'),
          ],
        ];
        for (const [what, is] of expected) expect(kept.some(is), what).toBe(true);
        // A named statement that read `*` would fail once a migration added a column.
        expect(kept.filter((s) => s.includes('*'))).toEqual([]);
      } finally {
        await isolated.close();
      }
    },
  );

  it('refuse a text that reads *, on every call of a prepared statement that asks for it', async () => {
    for (const text of [
      'select * from "t"',
      'select "t".* from "t"',
      'update "t" set "a" = $1 returning *',
    ])
      expect(() => nameStatement(text), text).toThrow(/must list its result columns/);
    const { database } = await getHarness();
    const star = prepared(
      (db, tenantId: string) =>
        db.selectFrom('oes_connections').selectAll().where('tenant_id', '=', tenantId),
      { named: true },
    );
    for (let i = 0; i < 2; i++)
      await expect(star(database.db, 'no-tenant')).rejects.toThrow(/must list its result columns/);
  });

  it(`name at most ${MAX_NAMED_SHAPES} shapes of one prepared statement; later ones run unnamed`, async () => {
    const { database } = await getHarness();
    const probe = prepared(
      (_db, shape: StatementShape<number>) =>
        sql<{ n: number }>`select ${sql.lit(shape.value)}::int as named_shape_probe`,
      { named: true },
    );
    const count = MAX_NAMED_SHAPES + 3;
    for (let i = 0; i < count; i++)
      expect(await probe(database.db, new StatementShape(`${i}`, i))).toEqual([
        { named_shape_probe: i },
      ]);
    const named = Array.from({ length: count }, (_, i) =>
      statementName(`select ${i}::int as named_shape_probe`),
    );
    expect(named.filter((n) => n !== undefined)).toHaveLength(MAX_NAMED_SHAPES);
    expect(named.slice(MAX_NAMED_SHAPES)).toEqual([undefined, undefined, undefined]);
  });

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
