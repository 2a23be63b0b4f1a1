import pino from 'pino';
import type { ListenHandlers, Listener } from '../../db/connect.js';
import { CursorCodec } from '../../src/changes/cursor.js';
import { ChangeFeed } from '../../src/changes/feed.js';
import { getHarness, TEST_SECRET_KEYS } from './harness.js';

/**
 * A started change feed on the harness's database, with the test keys' cursors and a silent
 * logger; it reads when its `listen` handlers are told to (the poll is 10 minutes).
 */
export async function testFeed(options: {
  listen: (channel: string, handlers: ListenHandlers) => Promise<Listener>;
  batchMs: number;
  bufferLimit: number;
}): Promise<{ feed: ChangeFeed; cursors: CursorCodec }> {
  const { database } = await getHarness();
  const cursors = new CursorCodec(TEST_SECRET_KEYS);
  const feed = new ChangeFeed({
    db: database.db,
    cursors,
    logger: pino({ level: 'silent' }),
    pollMs: 600_000,
    ...options,
  });
  await feed.start();
  return { feed, cursors };
}
