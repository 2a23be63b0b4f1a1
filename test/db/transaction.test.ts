import { describe, expect, it } from 'vitest';
import { getOesConnection, partnersByKeys } from '../../db/queries/oes.js';
import {
  assertOutsideTransaction,
  guardTransactions,
  inTransaction,
} from '../../db/transaction.js';
import { createOesConnection, createOesPartner } from '../../src/demo/builders.js';
import { getHarness, gql, newApiKey, newTenant } from '../helpers/harness.js';

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
