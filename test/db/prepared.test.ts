import { describe, expect, it } from 'vitest';
import { prepared, StatementShape } from '../../db/prepared.js';
import { directDriver, inTransaction } from '../../db/transaction.js';
import type { OesConnectionUpdate } from '../../db/tables/oes.js';
import { createOesConnection, createOesPartner } from '../../src/demo/builders.js';
import { countStatements, getHarness, newTenant } from '../helpers/harness.js';

async function oesConnection(tenantId: string, name: string) {
  const { database } = await getHarness();
  const partnerId = await createOesPartner(database.db, { tenantId, name: `${name} partner` });
  return createOesConnection(database.db, { tenantId, partnerId, name });
}

const byTenants = prepared((db, tenantIds: readonly string[], name: string) =>
  db
    .selectFrom('oes_connections')
    .select(['id', 'tenant_id', 'name'])
    .where((eb) => eb('tenant_id', '=', eb.fn.any(eb.val(tenantIds))))
    .where('name', '=', name)
    .orderBy('tenant_id'),
);

const update = prepared((db, changes: OesConnectionUpdate, tenantId: string, id: string) =>
  db
    .updateTable('oes_connections')
    .set(changes)
    .where('tenant_id', '=', tenantId)
    .where('id', '=', id)
    .returning(['name', 'active', 'version']),
);

describe('prepared statements', () => {
  it('run with each call’s own arguments, an array argument being one parameter', async () => {
    const { database } = await getHarness();
    const [a, b, c] = [await newTenant(), await newTenant(), await newTenant()];
    const ids = [
      await oesConnection(a, 'shared'),
      await oesConnection(b, 'shared'),
      await oesConnection(c, 'shared'),
    ];
    await oesConnection(a, 'other');

    const { result, statements } = await countStatements(async () => [
      await byTenants(database.db, [a, b], 'shared'),
      await byTenants(database.db, [c], 'shared'),
      await byTenants(database.db, [a, b, c], 'nobody'),
    ]);
    expect(result[0].map((r) => r.id).sort()).toEqual([ids[0], ids[1]].sort());
    expect(result[1].map((r) => r.id)).toEqual([ids[2]]);
    expect(result[2]).toEqual([]);
    // One text for every list length.
    expect(new Set(statements).size).toBe(1);
    expect(statements[0]).toContain('= any($1)');
  });

  it('run the same on the driver directly, through Kysely’s executor and in a transaction', async () => {
    const { database } = await getHarness();
    const tenant = await newTenant();
    const id = await oesConnection(tenant, 'three ways');
    // The database db/connect.ts opened goes to its driver; one it did not open (the same
    // connections, `withoutPlugins()`) through Kysely's executor; a transaction to its own.
    expect(directDriver(database.db)).toBeDefined();
    const other = database.db.withoutPlugins();
    expect(directDriver(other)).toBeUndefined();
    const { result, statements } = await countStatements(async () => [
      await byTenants(database.db, [tenant], 'three ways'),
      await byTenants(other, [tenant], 'three ways'),
      await inTransaction(database.db, async (trx) => ({
        ok: true as const,
        value: await byTenants(trx, [tenant], 'three ways'),
      })).then((outcome) => (outcome.ok ? outcome.value : [])),
    ]);
    const row = { id, tenant_id: tenant, name: 'three ways' };
    expect(result).toEqual([[row], [row], [row]]);
    // Every one counted once (BEGIN and COMMIT too, on a server).
    expect(statements.filter((s) => s.startsWith('select'))).toHaveLength(3);
  });

  it('compile one text per set of record fields, and never write a field left undefined', async () => {
    const { database } = await getHarness();
    const tenantId = await newTenant();
    const id = await oesConnection(tenantId, 'before');

    const { result, statements } = await countStatements(async () => [
      await update(database.db, { name: 'renamed' }, tenantId, id),
      await update(database.db, { name: 'again', active: undefined }, tenantId, id),
      await update(database.db, { active: false, version: 2 }, tenantId, id),
    ]);
    expect(result.map(([row]) => row)).toEqual([
      { name: 'renamed', active: true, version: 1 },
      { name: 'again', active: true, version: 1 },
      { name: 'again', active: false, version: 2 },
    ]);
    expect(statements[0]).toBe(statements[1]);
    expect(statements[0]).toMatch(/set "name" = \$1 where/);
    expect(statements[2]).toMatch(/set "active" = \$1, "version" = \$2 where/);
  });

  it('tell a call of the last call’s shape from one with a field more, fewer or another', async () => {
    // Each call site checks the last call's shape first (one comparison per field), and finds
    // any other shape through its map of shapes.
    const { database } = await getHarness();
    const tenantId = await newTenant();
    const id = await oesConnection(tenantId, 'start');
    const calls: OesConnectionUpdate[] = [
      { name: 'a' },
      { name: 'b' }, // the last call's shape
      { name: 'c', active: false }, // a field more
      { name: 'd', active: undefined }, // one fewer with a value
      { active: true, name: 'e' }, // the same fields in another order
      { version: 3 }, // another field, as many
      { name: 'f' }, // an earlier shape, not the last
      { name: 'g', active: false, version: 4 },
      { name: 'h', active: true }, // a prefix of the last
    ];
    const { result, statements } = await countStatements(async () => {
      const rows = [];
      for (const changes of calls) rows.push((await update(database.db, changes, tenantId, id))[0]);
      return rows;
    });
    expect(result).toEqual([
      { name: 'a', active: true, version: 1 },
      { name: 'b', active: true, version: 1 },
      { name: 'c', active: false, version: 1 },
      { name: 'd', active: false, version: 1 },
      { name: 'e', active: true, version: 1 },
      { name: 'e', active: true, version: 3 },
      { name: 'f', active: true, version: 3 },
      { name: 'g', active: false, version: 4 },
      { name: 'h', active: true, version: 4 },
    ]);
    const set = (statement: string) => /set (.*) where/.exec(statement)?.[1];
    expect(statements.map(set)).toEqual([
      '"name" = $1',
      '"name" = $1',
      '"name" = $1, "active" = $2',
      '"name" = $1',
      '"active" = $1, "name" = $2',
      '"version" = $1',
      '"name" = $1',
      '"name" = $1, "active" = $2, "version" = $3',
      '"name" = $1, "active" = $2',
    ]);
  });

  it('tell statement shapes apart by key, the last call’s and others', async () => {
    const { database } = await getHarness();
    const tenantId = await newTenant();
    const id = await oesConnection(tenantId, 'shaped');
    const read = prepared((db, shape: StatementShape<'name' | 'active'>, tenant: string) =>
      db
        .selectFrom('oes_connections')
        .select(shape.value === 'name' ? ['id', 'name'] : ['id', 'active'])
        .where('tenant_id', '=', tenant),
    );
    const name = new StatementShape('name', 'name' as const);
    const active = new StatementShape('active', 'active' as const);
    const result = [];
    for (const shape of [name, name, active, active, name])
      result.push(await read(database.db, shape, tenantId));
    expect(result).toEqual([
      [{ id, name: 'shaped' }],
      [{ id, name: 'shaped' }],
      [{ id, active: true }],
      [{ id, active: true }],
      [{ id, name: 'shaped' }],
    ]);
  });

  it('refuse a statement that does not use an argument as a parameter, before running it', async () => {
    const { database } = await getHarness();
    const ignoresName = prepared((db, tenantId: string, _name: string) =>
      db.selectFrom('oes_connections').select('id').where('tenant_id', '=', tenantId),
    );
    const { result, statements } = await countStatements(() =>
      ignoresName(database.db, 'some-tenant', 'x').then(
        () => null,
        (error: Error) => error.message,
      ),
    );
    expect(result).toMatch(/argument 1 is not a parameter of: select "id" from "oes_connections"/);
    expect(statements).toEqual([]);
  });

  it('refuse a builder that branches on an argument, whichever branch the first call takes', async () => {
    const { database } = await getHarness();
    // Stand-ins are objects, hence truthy: without the check, `if (name)` would compile the
    // filtered branch once and run it for every later call, an empty name included.
    const branches = prepared((db, tenantId: string, name: string) => {
      let query = db.selectFrom('oes_connections').select('id').where('tenant_id', '=', tenantId);
      if (name) query = query.where('name', '=', name);
      return query;
    });
    const spreadsList = prepared((db, ids: string[]) =>
      db.selectFrom('oes_connections').select('id').where('id', 'in', ids),
    );
    const outcome = (run: Promise<unknown>) =>
      run.then(
        () => null,
        (error: Error) => error.message,
      );
    const { result, statements } = await countStatements(async () => [
      await outcome(branches(database.db, 'some-tenant', 'x')),
      await outcome(branches(database.db, 'some-tenant', '')),
      await outcome(spreadsList(database.db, ['a', 'b'])),
    ]);
    expect(result[0]).toMatch(/looks at its arguments .* argument 1 = null/);
    expect(result[1]).toMatch(/looks at its arguments .* the first call’s values/);
    expect(result[2]).toMatch(/looks at its arguments .* the first call’s values/);
    expect(statements).toEqual([]);
  });

  it('fail with the stack of the code that ran them, not only the driver’s', async () => {
    const { database } = await getHarness();
    const tenantId = await newTenant();
    const id = await oesConnection(tenantId, 'stack');
    // No name: PostgreSQL refuses the update (not null, 23502).
    async function renameTheConnectionForTheStackTest() {
      await inTransaction(database.db, async (trx) => ({
        ok: true as const,
        value: await update(trx, { name: null as never, version: 2 }, tenantId, id),
      }));
    }
    const error = await renameTheConnectionForTheStackTest().then(
      () => undefined,
      (e: Error) => e,
    );
    expect(error).toBeInstanceOf(Error);
    expect((error as { code?: string }).code).toBe('23502');
    expect(error!.stack).toContain('renameTheConnectionForTheStackTest');
  });
});
