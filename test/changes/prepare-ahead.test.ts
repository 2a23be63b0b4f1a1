import pino from 'pino';
import { describe, expect, it } from 'vitest';
import type { ListenHandlers, Listener } from '../../db/connect.js';
import { insertAuditEvent } from '../../db/queries/audit.js';
import { CursorCodec } from '../../src/changes/cursor.js';
import { ChangeFeed, PREPARE_AHEAD, type Change } from '../../src/changes/feed.js';
import { getHarness, newTenant, TEST_SECRET_KEYS } from '../helpers/harness.js';
import { auditRow } from '../helpers/live.js';

const settle = () => new Promise((resolve) => setTimeout(resolve, 20));

/**
 * The work for a subscriber's waiting changes starts before their turn: without it, each
 * change's execution (and its read of `connection`) began only once the one before was
 * delivered, one database round trip after another, and a subscriber selecting `connection`
 * fell behind a single busy tenant's writers until it was cut off (bench/README.md, round 7).
 */
describe('a subscription prepares the changes waiting for it', () => {
  it('as they arrive, up to PREPARE_AHEAD of them, and each further one as its turn nears', async () => {
    const { database } = await getHarness();
    let notify: ListenHandlers['notify'] | undefined;
    const listen = async (_channel: string, handlers: ListenHandlers): Promise<Listener> => {
      notify = handlers.notify;
      return { close: async () => {} };
    };
    const feed = new ChangeFeed({
      db: database.db,
      listen,
      cursors: new CursorCodec(TEST_SECRET_KEYS),
      logger: pino({ level: 'silent' }),
      pollMs: 600_000,
      batchMs: 0,
      bufferLimit: 1_000,
    });
    await feed.start();
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
      await database.db.transaction().execute(async (trx) => {
        for (const row of rows) await insertAuditEvent(trx, row);
      });
      notify!('');
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
