import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { changesAnnounced, changesCommitted, NOTIFY_GAP_MS } from '../../src/changes/notifier.js';
import { countStatements, getHarness, gql } from '../helpers/harness.js';
import { servedGateway, waitForSubscribers } from '../helpers/live.js';
import { withMutationOptions } from '../helpers/mutations.js';
import { oesWorld, UPDATE_OES } from '../helpers/oes.js';

/**
 * The writing process announces its commits (`src/changes/notifier.ts`): one `NOTIFY` after a
 * committed change, outside its transaction, coalesced; no trigger notifies from inside the
 * mutations' transactions any more.
 */
let b: Awaited<ReturnType<typeof servedGateway>>;

// No poll within the tests' time: only a notification makes this gateway read.
beforeAll(async () => void (b = await servedGateway({ changes: { pollMs: 600_000, batchMs: 0 } })));
afterAll(() => b.close());

const UPDATE = withMutationOptions(UPDATE_OES);
const isNotify = (statement: string) => statement.includes('pg_notify');

/**
 * The `NOTIFY`s among the harness's statements, once there are `count` (at most 5 s) and 200 ms
 * more have passed.
 */
async function notifies(count: number, statements: string[]) {
  for (let i = 0; i < 100 && statements.filter(isNotify).length < count; i++)
    await new Promise((resolve) => setTimeout(resolve, 50));
  await new Promise((resolve) => setTimeout(resolve, 200));
  return statements.filter(isNotify).length;
}

describe('the writer’s NOTIFY', () => {
  it('a committed change reaches a subscriber of another gateway at once, without its poll', async () => {
    const w = await oesWorld();
    const joined = b.gateway.changes.joinedCount;
    const sub = (await b.connect(w.viewer)).subscribe({ tenantId: w.tenantId });
    await waitForSubscribers(b.gateway, joined + 1);
    const result = await gql(
      UPDATE,
      { enterpriseId: w.tenantId, connectionId: w.connectionId, input: { name: 'Notified' } },
      w.admin,
    );
    expect(result.data?.updateOesConnection.__typename).toBe('UpdateOesConnectionSuccess');
    // Its poll is 10 minutes away: only the writer's notification can have woken it.
    const [change] = await sub.waitFor(1, 5_000);
    expect(change.event).toMatchObject({ resourceId: w.connectionId, toVersion: 2 });
  });

  it('is sent after a change, not after a dry run or a change that changes nothing', async () => {
    const w = await oesWorld();
    const { statements } = await getHarness();
    const notifiesOf = (name: string, validateOnly: boolean, expected: number) =>
      countStatements(async () => {
        const result = await gql(
          UPDATE,
          {
            enterpriseId: w.tenantId,
            connectionId: w.connectionId,
            input: { name },
            validateOnly,
          },
          w.admin,
        );
        expect(result.data?.updateOesConnection.__typename).toBe('UpdateOesConnectionSuccess');
        return notifies(expected, statements);
      });
    expect((await notifiesOf('Dry', true, 0)).result).toBe(0);
    expect((await notifiesOf('Changed', false, 1)).result).toBe(1);
    expect((await notifiesOf('Changed', false, 0)).result).toBe(0);
  });

  it('coalesces: commits announced while one NOTIFY is in flight are announced by one more', async () => {
    const { gateway, statements } = await getHarness();
    const ctx = await gateway.contextFor({});
    const { result } = await countStatements(async () => {
      for (let i = 0; i < 10; i++) changesCommitted(ctx);
      return notifies(2, statements);
    });
    expect(result).toBe(2);
  });

  it('starts a NOTIFY no sooner than a gap after the previous one started', async () => {
    const { gateway, database, statements } = await getHarness();
    const ctx = await gateway.contextFor({});
    await new Promise((resolve) => setTimeout(resolve, NOTIFY_GAP_MS));
    const { result } = await countStatements(async () => {
      // A commit as soon as the previous one has been announced, ten times: NOTIFY i starts
      // after commit i - 1 and a gap later, so it is done no sooner than that.
      const commits: number[] = [];
      const announced: number[] = [];
      for (let i = 0; i < 10; i++) {
        commits.push(performance.now());
        changesCommitted(ctx);
        await changesAnnounced(database.db);
        announced.push(performance.now());
      }
      const spans = announced.slice(1).map((done, i) => done - commits[i]);
      return { sent: statements.filter(isNotify).length, shortest: Math.min(...spans) };
    });
    expect(result.sent).toBe(10);
    // (A timer may fire early by `performance.now()`, a fraction of a millisecond: the
    // notifier waits again for what is left. Without that, 4.87 ms was once measured here.)
    expect(result.shortest).toBeGreaterThanOrEqual(NOTIFY_GAP_MS);
  });

  it('a stopping process can wait until its commits are announced, then close its pool', async () => {
    const { gateway, database, statements } = await getHarness();
    const ctx = await gateway.contextFor({});
    // The first of them is then sent at once, the other two are announced by one more.
    await new Promise((resolve) => setTimeout(resolve, NOTIFY_GAP_MS));
    await countStatements(async () => {
      for (let i = 0; i < 3; i++) changesCommitted(ctx);
      await changesAnnounced(database.db);
      expect(statements.filter(isNotify)).toHaveLength(2);
    });
    // Nothing under way: resolves at once.
    await changesAnnounced(database.db);
  });

  it('keeps no request context once its NOTIFY is done', async () => {
    const { gateway, database } = await getHarness();
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const context = new WeakRef(await gateway.contextFor({}));
    changesCommitted(context.deref()!);
    await changesAnnounced(database.db);
    for (let i = 0; i < 10 && context.deref(); i++) {
      await new Promise((resolve) => setTimeout(resolve, 10));
      gc();
    }
    expect(context.deref()).toBeUndefined();
  });
});
