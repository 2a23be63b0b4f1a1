import pino from 'pino';
import { describe, expect, it } from 'vitest';
import type { ListenHandlers, Listener } from '../../db/connect.js';
import { ChangeFeed } from '../../src/changes/feed.js';
import { CursorCodec } from '../../src/changes/cursor.js';
import { getHarness, TEST_SECRET_KEYS } from '../helpers/harness.js';

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
