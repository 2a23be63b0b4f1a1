import { describe, expect, it } from 'vitest';
import { TEST_SECRET_KEYS } from '../helpers/harness.js';
import { connectLive } from '../helpers/live.js';
import { oesWorld, UPDATE_OES } from '../helpers/oes.js';
import { onServer, postGraphQL, spawnGateway } from '../helpers/server.js';

const SECRETS_KEY = TEST_SECRET_KEYS[0].key.toString('base64');

describe.skipIf(!onServer)('live changes in the gateway process', () => {
  it('delivers over the real port, and SIGTERM closes open subscriptions with 1001, then exits 0', async () => {
    const w = await oesWorld();
    const gw = await spawnGateway({
      DATABASE_URL: process.env.TEST_DATABASE_URL!,
      SECRETS_KEY,
      SHUTDOWN_ANNOUNCE_MS: '200',
    });
    const url = `${gw.base.replace('http', 'ws')}/graphql`;
    const one = await connectLive(url, w.viewer);
    const two = await connectLive(url, w.viewer);
    const sub = one.subscribe({ tenantId: w.tenantId });
    two.subscribe({ tenantId: w.tenantId });
    // The subscription has joined once a change made after it arrives.
    for (let i = 0; sub.received.length === 0 && i < 50; i++) {
      await postGraphQL(
        gw.base,
        UPDATE_OES,
        { enterpriseId: w.tenantId, connectionId: w.connectionId, input: { name: `n${i}` } },
        w.admin,
      );
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(sub.received.length).toBeGreaterThan(0);

    gw.proc.kill('SIGTERM');
    const [closedOne, closedTwo] = await Promise.all([one.closed, two.closed]);
    expect(closedOne.code).toBe(1001);
    expect(closedTwo.code).toBe(1001);
    expect(await gw.exited).toBe(0);
  });
});
