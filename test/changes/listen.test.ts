import pino from 'pino';
import { describe, expect, it } from 'vitest';
import type { ListenHandlers, Listener } from '../../db/connect.js';
import { ChangeFeed } from '../../src/changes/feed.js';
import { CursorCodec } from '../../src/changes/cursor.js';
import { ConfigError, DEFAULT_BATCH_MS, loadConfig } from '../../src/config.js';
import { insertAuditEvent } from '../../db/queries/audit.js';
import { getHarness, newTenant, TEST_SECRET_KEYS } from '../helpers/harness.js';
import { auditRow } from '../helpers/live.js';
import { testFeed } from '../helpers/feed.js';

/** A `listen` that only counts: how many listeners are open, and how many were ever opened. */
function countingListen() {
  const state = { open: 0, opened: 0, handlers: undefined as ListenHandlers | undefined };
  const listen = async (_channel: string, handlers: ListenHandlers): Promise<Listener> => {
    state.open++;
    state.opened++;
    state.handlers = handlers;
    return { close: async () => void state.open-- };
  };
  return { state, listen };
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 20));

describe('the change feed’s LISTEN', () => {
  it('is open only while somebody subscribes (plus the linger), never for a process of writers', async () => {
    const { database } = await getHarness();
    const { state, listen } = countingListen();
    const feed = new ChangeFeed({
      db: database.db,
      listen,
      cursors: new CursorCodec(TEST_SECRET_KEYS),
      logger: pino({ level: 'silent' }),
      pollMs: 60_000,
      bufferLimit: 10,
      listenLingerMs: 50,
    });
    await feed.start();
    await settle();
    // Started, nobody subscribed: no listening connection, so commits wake nothing here.
    expect(state).toMatchObject({ open: 0, opened: 0 });

    const accepts = () => true;
    const first = feed.subscribe({ tenantId: 't1', accepts });
    const second = feed.subscribe({ tenantId: 't2', accepts });
    await settle();
    expect(state).toMatchObject({ open: 1, opened: 1 });

    first.end();
    await settle();
    expect(state.open).toBe(1);
    second.end();
    // The last one left: it lingers, and a subscriber within the linger reuses it.
    const third = feed.subscribe({ tenantId: 't3', accepts });
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(state).toMatchObject({ open: 1, opened: 1 });
    third.end();
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(state).toMatchObject({ open: 0, opened: 1 });

    // Listening again for a new subscriber, and closed by stop().
    feed.subscribe({ tenantId: 't4', accepts });
    await settle();
    expect(state).toMatchObject({ open: 1, opened: 2 });
    await feed.stop();
    expect(state.open).toBe(0);
  });
});

/**
 * Three commits `gapMs` apart, each notified as PostgreSQL would, to a feed with `batchMs`:
 * the snapshot ranges of the reads that delivered them (one range = one read), and the time
 * from before the first commit to the last delivery.
 */
async function threeCommits(batchMs: number, gapMs: number) {
  const { database } = await getHarness();
  const { state, listen } = countingListen();
  const { feed, cursors } = await testFeed({ listen, batchMs, bufferLimit: 10 });
  try {
    const tenantId = await newTenant();
    const subscription = feed.subscribe({ tenantId, accepts: () => true });
    while (feed.joinedCount < 1) await settle();
    const start = performance.now();
    for (let i = 0; i < 3; i++) {
      if (i > 0) await new Promise((resolve) => setTimeout(resolve, gapMs));
      await database.db.transaction().execute((trx) => insertAuditEvent(trx, auditRow(tenantId)));
      state.handlers!.notify('');
    }
    const ranges = new Set<string>();
    for (let i = 0; i < 3; i++) {
      const position = cursors.decode((await subscription.next()).value.cursor, tenantId)!;
      ranges.add(`${position.lo.text} ${position.hi.text}`);
    }
    return { reads: ranges.size, elapsedMs: performance.now() - start };
  } finally {
    await feed.stop();
  }
}

describe('a read gathers the commits of `batchMs`', () => {
  it('waits `batchMs` after the first notification, then reads the commits of that time at once', async () => {
    const { reads, elapsedMs } = await threeCommits(500, 20);
    expect(reads).toBe(1);
    expect(elapsedMs).toBeGreaterThanOrEqual(490);
  });

  it('with 0, reads at once on each notification', async () => {
    const { reads } = await threeCommits(0, 100);
    expect(reads).toBeGreaterThan(1);
  });
});

describe('CHANGES_BATCH_MS', () => {
  const base = {
    DATABASE_URL: 'postgresql://localhost/x',
    SECRETS_KEY: Buffer.alloc(32, 1).toString('base64'),
  };
  it('sets the feed’s batchMs: a whole number of ms up to 1000, 0 reading at once', () => {
    expect(loadConfig(base).changesBatchMs).toBe(DEFAULT_BATCH_MS);
    expect(loadConfig({ ...base, CHANGES_BATCH_MS: '0' }).changesBatchMs).toBe(0);
    expect(loadConfig({ ...base, CHANGES_BATCH_MS: '7' }).changesBatchMs).toBe(7);
    for (const bad of ['-1', '1001', '2.5'])
      expect(() => loadConfig({ ...base, CHANGES_BATCH_MS: bad })).toThrow(ConfigError);
  });
});
