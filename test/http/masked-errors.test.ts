import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { getHarness, gql } from '../helpers/harness.js';
import { oesWorld } from '../helpers/oes.js';

describe('unexpected faults', () => {
  it('are masked for the client, with a request id, and logged in full', async () => {
    const w = await oesWorld();
    const { database, logs } = await getHarness();
    // Break an invariant behind the API's back: a connection whose partner does not exist
    // (foreign-key triggers off for this transaction only).
    const brokenId = randomUUID();
    const ghostPartner = randomUUID();
    await database.db.transaction().execute(async (trx) => {
      await sql`set local session_replication_role = replica`.execute(trx);
      await trx
        .insertInto('oes_connections')
        .values({
          id: brokenId,
          tenant_id: w.tenantId,
          partner_id: ghostPartner,
          name: 'broken',
          active: true,
        })
        .execute();
    });

    const r = await gql(
      `query($e: ID!, $c: ID!) { oesConnection(enterpriseId: $e, connectionId: $c) { id partner { name } } }`,
      { e: w.tenantId, c: brokenId },
      w.viewer,
    );
    expect(r.errors).toHaveLength(1);
    const [error] = r.errors!;
    expect(error.message).toBe('Internal server error');
    expect(error.extensions).toEqual({
      code: 'INTERNAL_SERVER_ERROR',
      requestId: expect.stringMatching(/^[0-9a-f-]{36}$/),
    });
    expect(JSON.stringify(r)).not.toContain(ghostPartner);

    const logged = logs.find(
      (l) => l.requestId === error.extensions!.requestId && l.msg === 'request failed',
    );
    expect(logged).toBeDefined();
    expect(JSON.stringify(logged)).toContain(ghostPartner);
  });
});
