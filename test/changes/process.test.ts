import { describe, expect, it } from 'vitest';
import { TEST_SECRETS_KEY_ENV } from '../helpers/harness.js';
import { connectLive } from '../helpers/live.js';
import { oesWorld, UPDATE_OES } from '../helpers/oes.js';
import { onServer, postGraphQL, spawnGateway } from '../helpers/server.js';

const SECRETS_KEY = TEST_SECRETS_KEY_ENV;

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

describe('WEB_CONCURRENCY', () => {
  it.runIf(onServer)(
    'runs N workers on one port: changes cross processes; metrics are aggregated; SIGTERM stops all',
    async () => {
      const w = await oesWorld();
      const gw = await spawnGateway({
        DATABASE_URL: process.env.TEST_DATABASE_URL!,
        SECRETS_KEY,
        WEB_CONCURRENCY: '2',
        METRICS_PORT: '0',
        SHUTDOWN_ANNOUNCE_MS: '0',
      });
      const metricsUrl = await new Promise<string>((resolve, reject) => {
        const find = () => /Metrics at (\S+)/.exec(gw.output.join(''))?.[1];
        const timer = setInterval(() => {
          const url = find();
          if (url) {
            clearInterval(timer);
            resolve(url);
          }
        }, 50);
        setTimeout(() => reject(new Error(gw.output.join(''))), 20_000);
      });
      const url = `${gw.base.replace('http', 'ws')}/graphql`;
      // Several sockets: the cluster spreads them over the workers.
      const clients = await Promise.all([1, 2, 3, 4].map(() => connectLive(url, w.viewer)));
      const subs = clients.map((c) => c.subscribe({ tenantId: w.tenantId }));
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      for (let i = 0; i < 20; i++) {
        const r = await postGraphQL(
          gw.base,
          UPDATE_OES,
          { enterpriseId: w.tenantId, connectionId: w.connectionId, input: { name: `n${i}` } },
          w.admin,
        );
        expect(r.body.data.updateOesConnection.__typename).toBe('UpdateOesConnectionSuccess');
      }
      await Promise.all(subs.map((s) => s.waitFor(20)));
      for (const s of subs)
        expect(s.received.map((c) => c.event.toVersion)).toEqual(
          Array.from({ length: 20 }, (_, i) => i + 2),
        );

      const text = await (await fetch(metricsUrl)).text();
      const line = text
        .split('\n')
        .find((l) =>
          l.startsWith(
            'cgw_operations_total{operation="updateOesConnection",outcome="UpdateOesConnectionSuccess"}',
          ),
        );
      expect(Number(line?.split(' ').at(-1))).toBe(20);
      expect(text).toMatch(/^cgw_subscriptions_open 4$/m);
      expect(text).toMatch(/^cgw_change_events_delivered_total 80$/m);
      expect(text).toMatch(/^cgw_db_pool_connections\{state="in_use"\} \d+$/m);
      expect(text).toMatch(/^cgw_db_pool_connections\{state="waiting"\} \d+$/m);
      // Both workers answered: the pool has at least one idle connection in each.
      expect(
        Number(/^cgw_db_pool_connections\{state="idle"\} (\d+)$/m.exec(text)?.[1]),
      ).toBeGreaterThanOrEqual(2);

      gw.proc.kill('SIGTERM');
      for (const c of clients) expect((await c.closed).code).toBe(1001);
      expect(await gw.exited).toBe(0);
    },
    60_000,
  );

  it('is refused on the embedded database', async () => {
    const { mkdtempSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const error = await spawnGateway({
      WEB_CONCURRENCY: '2',
      DATA_DIR: mkdtempSync(`${tmpdir()}/cgw-`),
    }).then(
      () => 'started',
      (e: Error) => e.message,
    );
    expect(error).toMatch(/exited with 2/);
    expect(error).toMatch(/WEB_CONCURRENCY above 1 needs DATABASE_URL/);
  });
});
