import { describe, expect, it } from 'vitest';
import type { ListenHandlers, Listener } from '../../db/connect.js';
import { insertAuditEvent } from '../../db/queries/audit.js';
import { PREPARE_AHEAD, type Change } from '../../src/changes/feed.js';
import { testFeed } from '../helpers/feed.js';
import { getHarness, newTenant } from '../helpers/harness.js';
import { auditRow } from '../helpers/live.js';

const settle = () => new Promise((resolve) => setTimeout(resolve, 20));

/** A feed on the harness's database whose reads run when `notify` is called. */
async function feedWithNotify() {
  const { database } = await getHarness();
  const handlers: { notify?: ListenHandlers['notify'] } = {};
  const listen = async (_channel: string, h: ListenHandlers): Promise<Listener> => {
    handlers.notify = h.notify;
    return { close: async () => {} };
  };
  const { feed, cursors } = await testFeed({ listen, batchMs: 0, bufferLimit: 1_000 });
  /** Commits `rows` in one transaction and notifies the feed. */
  const commit = async (rows: ReturnType<typeof auditRow>[]) => {
    await database.db.transaction().execute(async (trx) => {
      for (const row of rows) await insertAuditEvent(trx, row);
    });
    handlers.notify!('');
  };
  return { feed, cursors, commit };
}

/**
 * The work for a subscriber's waiting changes starts before their turn: without it, each
 * change's execution (and its read of `connection`) began only once the one before was
 * delivered, one database round trip after another, and a subscriber selecting `connection`
 * fell behind a single busy tenant's writers until it was cut off (bench/README.md, round 7).
 */
describe('a subscription prepares the changes waiting for it', () => {
  it('as they arrive, up to PREPARE_AHEAD of them, and each further one as its turn nears', async () => {
    const { feed, commit } = await feedWithNotify();
    try {
      const tenantId = await newTenant();
      const prepared: string[] = [];
      const subscription = feed.subscribe({
        tenantId,
        accepts: () => true,
        prepare: (change: Change) => prepared.push(change.row.resource_id),
      });
      while (feed.joinedCount < 1) await settle();

      // Committed together, read together: one read hands all of them to the subscription.
      const count = PREPARE_AHEAD + 4;
      const rows = Array.from({ length: count }, () => auditRow(tenantId));
      await commit(rows);
      while (prepared.length < PREPARE_AHEAD) await settle();
      await settle();
      // The first PREPARE_AHEAD, in order, before the consumer took any; not the rest yet.
      expect(prepared).toEqual(rows.slice(0, PREPARE_AHEAD).map((r) => r.resource_id));

      // Each change taken brings the next waiting one into the window.
      for (let taken = 1; taken <= count; taken++) {
        const { value } = await subscription.next();
        expect(value.row.resource_id).toBe(rows[taken - 1].resource_id);
        expect(prepared).toEqual(
          rows.slice(0, Math.min(count, PREPARE_AHEAD + taken)).map((r) => r.resource_id),
        );
      }
    } finally {
      await feed.stop();
    }
  });
});

describe('a resuming subscription', () => {
  it('prepares no live change while it replays, and the waiting ones once the replay ends', async () => {
    const { feed, cursors, commit } = await feedWithNotify();
    try {
      const tenantId = await newTenant();
      const first = feed.subscribe({ tenantId, accepts: () => true });
      while (feed.joinedCount < 1) await settle();
      const [r0, r1, r2, r3] = Array.from({ length: 4 }, () => auditRow(tenantId));
      await commit([r0]);
      const c0 = (await first.next()).value as Change;
      await commit([r1]);
      // Committed right after a delivery, while the read that made it ends: this wake-up was
      // once lost (`ChangeFeed.wake`), and the test hung here.
      await first.next();

      // Resumes after r0: r1 is replayed, r2 and r3 arrive live meanwhile.
      const prepared: string[] = [];
      const resumed = feed.subscribe({
        tenantId,
        after: cursors.decode(c0.cursor, tenantId)!,
        accepts: () => true,
        prepare: (change) => prepared.push(change.row.resource_id),
      });
      while (feed.joinedCount < 2) await settle();
      await commit([r2, r3]);
      await first.next();
      await first.next(); // both were handed to every subscription of the tenant
      expect(prepared).toEqual([]);

      expect(((await resumed.next()).value as Change).row.resource_id).toBe(r1.resource_id);
      expect(prepared).toEqual([]);
      // The replay is over: r2 is taken, r3 (waiting) is prepared.
      expect(((await resumed.next()).value as Change).row.resource_id).toBe(r2.resource_id);
      expect(prepared).toEqual([r3.resource_id]);
      expect(((await resumed.next()).value as Change).row.resource_id).toBe(r3.resource_id);
    } finally {
      await feed.stop();
    }
  });
});

describe('a prepare that throws', () => {
  it('costs nothing but its own work: every subscriber still gets every change once', async () => {
    const { feed, commit } = await feedWithNotify();
    try {
      const tenantId = await newTenant();
      const throwing = feed.subscribe({
        tenantId,
        accepts: () => true,
        prepare: () => {
          throw new Error('prepare failed');
        },
      });
      const other = feed.subscribe({ tenantId, accepts: () => true });
      while (feed.joinedCount < 2) await settle();
      const rows = Array.from({ length: 3 }, () => auditRow(tenantId));
      await commit(rows);
      for (const subscription of [throwing, other]) {
        const got: string[] = [];
        for (let i = 0; i < 3; i++)
          got.push(((await subscription.next()).value as Change).row.resource_id);
        expect(got).toEqual(rows.map((r) => r.resource_id));
      }
      // Nothing more: the read was not repeated (it would have handed the changes out again).
      await commit([]);
      await settle();
      const [late] = Array.from({ length: 1 }, () => auditRow(tenantId));
      await commit([late]);
      for (const subscription of [throwing, other])
        expect(((await subscription.next()).value as Change).row.resource_id).toBe(
          late.resource_id,
        );
    } finally {
      await feed.stop();
    }
  });
});
