import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { sql, TransactionBuilder, type Kysely, type Transaction } from 'kysely';
import { describe, expect, it } from 'vitest';
import type { Database } from '../../db/database.js';
import { getOesConnection, partnersByKeys } from '../../db/queries/oes.js';
import {
  assertOutsideTransaction,
  guardTransactions,
  inTransaction,
  opensTransactionsDirectly,
} from '../../db/transaction.js';
import { createOesConnection, createOesPartner } from '../../src/demo/builders.js';
import { countStatements, getHarness, gql, newApiKey, newTenant } from '../helpers/harness.js';

/** Settles `run` or reports that it hung (on PGlite the mistake used to wait forever). */
const within = <T>(run: Promise<T>, ms = 5_000) =>
  Promise.race([
    run.then(
      (value) => ({ value }),
      (error: Error) => ({ error: error.message }),
    ),
    new Promise<{ hung: true }>((resolve) => setTimeout(() => resolve({ hung: true }), ms)),
  ]);

async function oesConnection() {
  const { database } = await getHarness();
  const tenantId = await newTenant(['oes']);
  const partnerId = await createOesPartner(database.db, { tenantId, name: 'venue' });
  const id = await createOesConnection(database.db, { tenantId, partnerId, name: 'before' });
  return { tenantId, partnerId, id };
}

describe('a transaction’s callback', () => {
  it('fails at once, naming the transaction, when it queries the database instead of trx', async () => {
    const { database } = await getHarness();
    const { tenantId, id } = await oesConnection();
    const outcome = await within(
      inTransaction(
        database.db,
        async (trx) => {
          await trx
            .updateTable('oes_connections')
            .set({ name: 'written in the transaction' })
            .where('id', '=', id)
            .execute();
          await getOesConnection(database.db, tenantId, id); // the mistake
          return { ok: true as const, value: null };
        },
        { name: 'updateOesConnection' },
      ),
    );
    expect(outcome).toEqual({
      error: expect.stringMatching(
        /used directly inside the transaction of updateOesConnection: use the transaction \(trx\)/,
      ),
    });
    // The transaction rolled back, and the database is free for the next caller.
    expect((await getOesConnection(database.db, tenantId, id))?.name).toBe('before');
  });

  it('fails the same way for a batch loader started inside it', async () => {
    const { database } = await getHarness();
    const { tenantId, partnerId } = await oesConnection();
    const outcome = await within(
      inTransaction(database.db, async () => {
        await partnersByKeys(database.db, tenantId, [partnerId]);
        return { ok: true as const, value: null };
      }),
    );
    expect(outcome).toEqual({
      error: expect.stringMatching(/inside the transaction of a mutation/),
    });
  });

  it('leaves queries after the transaction, and mutations through the gateway, working', async () => {
    const { database } = await getHarness();
    const { tenantId, partnerId, id } = await oesConnection();
    await inTransaction(database.db, async (trx) => ({
      ok: true as const,
      value: await partnersByKeys(trx, tenantId, [partnerId]),
    }));
    expect(await partnersByKeys(database.db, tenantId, [partnerId])).toHaveLength(1);
    const key = await newApiKey(tenantId, ['connections:read', 'connections:write']);
    const result = await gql(
      `mutation { updateOesConnection(enterpriseId: "${tenantId}", connectionId: "${id}", input: { name: "after" }) { __typename } }`,
      {},
      key,
    );
    expect(result.data?.updateOesConnection.__typename).toBe('UpdateOesConnectionSuccess');
  });

  it('is not tracked with the guard off (the production server), and is again once it is on', async () => {
    const { database } = await getHarness();
    const { tenantId, partnerId } = await oesConnection();
    // What the callback sees of the check: with the guard off, no AsyncLocalStorage carries
    // the transaction's name (its hook would cost every promise of the process).
    const check = () =>
      inTransaction(database.db, async (trx) => {
        let refused: string | null = null;
        try {
          assertOutsideTransaction();
        } catch (error) {
          refused = (error as Error).message;
        }
        return {
          ok: true as const,
          value: { refused, rows: await partnersByKeys(trx, tenantId, [partnerId]) },
        };
      });
    guardTransactions(false);
    try {
      const off = await check();
      expect(off.ok && off.value.refused).toBeNull();
      expect(off.ok && off.value.rows).toHaveLength(1);
    } finally {
      guardTransactions(true);
    }
    const on = await check();
    expect(on.ok && on.value.refused).toMatch(/inside the transaction of a mutation/);
  });
});

/**
 * `inTransaction` opens the transactions of the databases `db/connect.ts` opens itself,
 * without Kysely's transaction builder (`directTransaction`, for allocation per mutation). A
 * database it was not told about takes the builder (`withoutPlugins()` builds such a
 * `Kysely` on the same connections), so the two paths can be run side by side here.
 */
describe('transactions opened without Kysely’s transaction builder', () => {
  type Case = (db: Kysely<Database>, id: string) => Promise<unknown>;
  const rename = (trx: Transaction<Database>, id: string, name: string) =>
    trx.updateTable('oes_connections').set({ name }).where('id', '=', id).execute();
  const cases: Record<string, Case> = {
    'a success commits': (db, id) =>
      inTransaction(db, async (trx) => {
        await rename(trx, id, 'committed');
        return { ok: true as const, value: 'done' };
      }),
    'a failure outcome rolls back': (db, id) =>
      inTransaction(db, async (trx) => {
        await rename(trx, id, 'never');
        return { ok: false as const, error: 'rule broken' };
      }),
    'a dry run rolls back its success': (db, id) =>
      inTransaction(
        db,
        async (trx) => {
          await rename(trx, id, 'never');
          return { ok: true as const, value: 'would be' };
        },
        { rollback: true },
      ),
    'a throw rolls back and rethrows': (db, id) =>
      inTransaction(db, async (trx) => {
        await rename(trx, id, 'never');
        throw new Error('boom');
      }).catch((error: Error) => `threw ${error.message}`),
    'a statement error rolls back and rethrows': (db, id) =>
      inTransaction(db, async (trx) => {
        await rename(trx, id, 'never');
        await sql`select 1/0`.execute(trx);
        return { ok: true as const, value: null };
      }).catch((error: Error) => `threw ${error.message}`),
    // PostgreSQL answers the commit with ROLLBACK: the direct path's own commit statement
    // (db/transaction.ts, on a server) must report it like Kysely's driver does.
    'a statement error caught in the callback turns the commit into a rollback': (db, id) =>
      inTransaction(db, async (trx) => {
        await rename(trx, id, 'never');
        await sql`select 1/0`.execute(trx).catch(() => undefined);
        return { ok: true as const, value: null };
      }).catch((error: Error) => `threw ${error.constructor.name}: ${error.message}`),
  };

  it('are those of the databases db/connect.ts opens', async () => {
    const { database } = await getHarness();
    expect(opensTransactionsDirectly(database.db)).toBe(true);
    expect(opensTransactionsDirectly(database.db.withoutPlugins())).toBe(false);
  });

  for (const [what, run] of Object.entries(cases)) {
    it(`behaves like the builder: ${what}`, async () => {
      const { database } = await getHarness();
      const outcomes = [];
      for (const db of [database.db, database.db.withoutPlugins()]) {
        const { id, tenantId } = await oesConnection();
        const { result, statements } = await countStatements(() => run(db, id));
        const name = (await getOesConnection(database.db, tenantId, id))?.name;
        outcomes.push({ result, name, statements: statements.map((s) => s.replace(/\d+/g, 'n')) });
      }
      expect(outcomes[0]).toEqual(outcomes[1]);
    });
  }

  it('refuses a statement on trx once the transaction is over, like the builder', async () => {
    const { database } = await getHarness();
    for (const db of [database.db, database.db.withoutPlugins()]) {
      const { id } = await oesConnection();
      let leaked: Transaction<Database> | undefined;
      await inTransaction(db, async (trx) => {
        leaked = trx;
        return { ok: true as const, value: null };
      });
      await expect(rename(leaked!, id, 'too late')).rejects.toThrow(
        /^Transaction is already committed/,
      );
    }
  });

  it('were written against kysely 0.29.9’s TransactionBuilder.execute (check on any upgrade)', () => {
    // `directTransaction` repeats what this method does. When Kysely changes it (new settings,
    // a new step, a new state), compare the two, carry the change over, then update the pin.
    const { version } = JSON.parse(
      readFileSync(
        path.join(import.meta.dirname, '../../node_modules/kysely/package.json'),
        'utf8',
      ),
    ) as { version: string };
    const source = TransactionBuilder.prototype.execute.toString();
    expect({
      version,
      execute: createHash('sha256').update(source).digest('hex').slice(0, 16),
    }).toEqual({ version: '0.29.9', execute: '5596046ca70b7570' });
  });
});
