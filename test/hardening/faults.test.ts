import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { getHarness } from '../helpers/harness.js';
import { oesSnapshot, oesWorld, UPDATE_OES } from '../helpers/oes.js';
import { holdRowLock, isolatedGateway, onServer } from '../helpers/server.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.skipIf(!onServer)('database faults (PostgreSQL server)', () => {
  it('a lock wait past lock_timeout ends in SERVICE_UNAVAILABLE, changes nothing, and other rows stay writable', async () => {
    const w = await oesWorld({ connections: 2 });
    const gw = await isolatedGateway({ lockTimeoutMs: 200 });
    try {
      const lock = await holdRowLock(w.tenantId, w.connectionIds[0]);
      const before = await oesSnapshot(w.tenantId, w.connectionIds[0]);
      const blocked = await gw.exec(
        UPDATE_OES,
        { enterpriseId: w.tenantId, connectionId: w.connectionIds[0], input: { name: 'blocked' } },
        w.admin,
      );
      expect(blocked.data).toBeNull();
      expect(blocked.errors?.[0]).toMatchObject({ extensions: { code: 'SERVICE_UNAVAILABLE' } });
      expect(JSON.stringify(blocked)).not.toMatch(/oes_connections|lock timeout|select/i);
      const other = await gw.exec(
        UPDATE_OES,
        { enterpriseId: w.tenantId, connectionId: w.connectionIds[1], input: { name: 'free' } },
        w.admin,
      );
      expect(other.data!.updateOesConnection.__typename).toBe('UpdateOesConnectionSuccess');
      await lock.release();
      expect(await oesSnapshot(w.tenantId, w.connectionIds[0])).toEqual(before);
    } finally {
      await gw.close();
    }
  });

  it('an exhausted pool ends in SERVICE_UNAVAILABLE after connectionTimeout, then recovers', async () => {
    const w = await oesWorld();
    const gw = await isolatedGateway({ poolSize: 1, connectionTimeoutMs: 200 });
    try {
      let release!: () => void;
      const released = new Promise<void>((r) => (release = r));
      let held!: () => void;
      const isHeld = new Promise<void>((r) => (held = r));
      const holder = gw.database.db.transaction().execute(async (trx) => {
        await sql`select 1`.execute(trx);
        held();
        await released;
      });
      await isHeld;
      const starved = await gw.exec('{ viewer { id } }', {}, w.viewer);
      expect(starved.errors?.[0]?.extensions?.code).toBe('SERVICE_UNAVAILABLE');
      release();
      await holder;
      const fine = await gw.exec('{ viewer { id } }', {}, w.viewer);
      expect(fine.errors).toBeUndefined();
      expect(fine.data!.viewer.id).toMatch(/^p-/);
    } finally {
      await gw.close();
    }
  });

  it('a killed backend fails only its own request (masked); the process lives and the next request succeeds', async () => {
    const w = await oesWorld();
    // A name of its own, so the kill below can only hit this test's backend.
    const applicationName = `cgw-kill-${randomUUID().slice(0, 8)}`;
    const gw = await isolatedGateway({ lockTimeoutMs: 10_000, applicationName });
    const { database } = await getHarness();
    try {
      const lock = await holdRowLock(w.tenantId, w.connectionId);
      const pending = gw.exec(
        UPDATE_OES,
        { enterpriseId: w.tenantId, connectionId: w.connectionId, input: { name: 'doomed' } },
        w.admin,
      );
      // Find the waiting backend and kill it.
      let killed = 0;
      for (let i = 0; i < 50 && killed === 0; i++) {
        await sleep(50);
        const { rows } = await sql<{ killed: number }>`
          select count(pg_terminate_backend(pid))::int as killed from pg_stat_activity
          where datname = current_database() and application_name = ${applicationName}
            and wait_event_type = 'Lock'`.execute(database.db);
        killed = rows[0].killed;
      }
      expect(killed).toBe(1);
      const r = await pending;
      expect(r.data).toBeNull();
      expect(r.errors?.[0]?.extensions?.code).toBe('SERVICE_UNAVAILABLE');
      expect(JSON.stringify(r)).not.toMatch(/terminat|oes_connections/i);
      await lock.release();
      const next = await gw.exec(
        UPDATE_OES,
        { enterpriseId: w.tenantId, connectionId: w.connectionId, input: { name: 'survivor' } },
        w.admin,
      );
      expect(next.data!.updateOesConnection).toMatchObject({
        __typename: 'UpdateOesConnectionSuccess',
        connection: { name: 'survivor', version: 2 },
      });
    } finally {
      await gw.close();
    }
  });
});
