import { describe, expect, it } from 'vitest';
import { createMetrics } from '../../src/metrics.js';
import { connectLive, secondGateway, serve, waitForSubscribers } from '../helpers/live.js';
import { oesWorld, UPDATE_OES } from '../helpers/oes.js';

const OES_PAGE = /* GraphQL */ `
  query Page($enterpriseId: ID!) {
    oesConnections(enterpriseId: $enterpriseId) {
      items {
        id
      }
    }
  }
`;

describe('metrics', () => {
  it('counts operations by root field and outcome, times them, and counts live delivery', async () => {
    const metrics = createMetrics();
    const c = await secondGateway({ metrics });
    const served = await serve(c.gateway);
    try {
      const w = await oesWorld();
      const other = await oesWorld();
      const run = async (query: string, variables: Record<string, unknown>, token: string) => {
        const contextValue = await c.gateway.contextFor({ authorization: `Bearer ${token}` });
        return c.gateway.apollo.executeOperation({ query, variables }, { contextValue });
      };
      const client = await connectLive(served.url, w.viewer);
      const sub = client.subscribe({ tenantId: w.tenantId });
      await waitForSubscribers(c.gateway, 1);
      const rename = { enterpriseId: w.tenantId, connectionId: w.connectionId };
      await run(UPDATE_OES, { ...rename, input: { name: 'one' } }, w.admin);
      await run(UPDATE_OES, { ...rename, input: { name: 'two', expectedVersion: 1 } }, w.admin);
      await run(UPDATE_OES, { ...rename, input: { name: 'three' } }, w.viewer);
      await run(OES_PAGE, { enterpriseId: w.tenantId }, w.viewer);
      await run(OES_PAGE, { enterpriseId: other.tenantId }, w.viewer);
      await run('{ nope }', {}, w.viewer);
      await sub.waitFor(1);

      const text = await metrics.registry.metrics();
      const value = (series: string) =>
        Number(
          text
            .split('\n')
            .find((line) => line.startsWith(`${series} `))
            ?.slice(series.length + 1),
        );
      const op = (operation: string, outcome: string) =>
        value(`cgw_operations_total{operation="${operation}",outcome="${outcome}"}`);
      expect(op('updateOesConnection', 'UpdateOesConnectionSuccess')).toBe(1);
      expect(op('updateOesConnection', 'ConflictError')).toBe(1);
      expect(op('updateOesConnection', 'PermissionDeniedError')).toBe(1);
      expect(op('oesConnections', 'ok')).toBe(1);
      expect(op('oesConnections', 'FORBIDDEN')).toBe(1);
      expect(op('(refused)', 'GRAPHQL_VALIDATION_FAILED')).toBe(1);
      expect(value('cgw_operation_duration_seconds_count{operation="updateOesConnection"}')).toBe(
        3,
      );
      expect(value('cgw_subscriptions_open')).toBe(1);
      expect(value('cgw_change_events_delivered_total')).toBe(1);
      expect(value('cgw_subscribers_cut_total')).toBe(0);
      client.close();
    } finally {
      await served.close();
      await c.close();
    }
  });
});
