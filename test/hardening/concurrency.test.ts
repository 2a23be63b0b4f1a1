import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { oesSnapshot, oesWorld, UPDATE_OES } from '../helpers/oes.js';
import { closeSecondGateway, GATEWAY_SPREADS, onServer } from '../helpers/server.js';

afterAll(closeSecondGateway);

/**
 * Concurrency is only real on a server: PGlite has one connection and serialises everything.
 * Each race runs on one gateway and spread over two gateways on one database.
 */
describe.skipIf(!onServer).each(GATEWAY_SPREADS)(
  'concurrent updates (PostgreSQL server, %s)',
  (_, on) => {
    it('20 updates with one expectedVersion: one success, 19 VERSION_MISMATCH, one audit event', async () => {
      const w = await oesWorld();
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          on(i)(
            UPDATE_OES,
            {
              enterpriseId: w.tenantId,
              connectionId: w.connectionId,
              input: { name: `writer ${i}`, expectedVersion: 1 },
            },
            w.admin,
          ),
        ),
      );
      const outcomes = results.map((r) => r.data!.updateOesConnection);
      const winners = outcomes.filter((o) => o.__typename === 'UpdateOesConnectionSuccess');
      const losers = outcomes.filter((o) => o.__typename === 'ConflictError');
      expect(winners).toHaveLength(1);
      expect(losers).toHaveLength(19);
      for (const l of losers)
        expect(l).toMatchObject({ reason: 'VERSION_MISMATCH', currentVersion: 2 });
      const { row, events } = await oesSnapshot(w.tenantId, w.connectionId);
      expect(row).toMatchObject({ version: 2, name: winners[0].connection.name });
      expect(events).toHaveLength(1);
    });

    it('20 updates without expectedVersion: versions chain 2..21, 20 audit events, the last event is the final row', async () => {
      const w = await oesWorld();
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          on(i)(
            UPDATE_OES,
            {
              enterpriseId: w.tenantId,
              connectionId: w.connectionId,
              input: { name: `writer ${i}` },
            },
            w.admin,
          ),
        ),
      );
      const versions = results
        .map((r) => r.data!.updateOesConnection.connection.version)
        .sort((a, b) => a - b);
      expect(versions).toEqual(Array.from({ length: 20 }, (_, i) => i + 2));
      const { row, events } = await oesSnapshot(w.tenantId, w.connectionId);
      expect(events.map((e) => [e.from_version, e.to_version])).toEqual(
        Array.from({ length: 20 }, (_, i) => [i + 1, i + 2]),
      );
      const last = results.find((r) => r.data!.updateOesConnection.connection.version === 21)!;
      expect(row).toMatchObject({
        version: 21,
        name: last.data!.updateOesConnection.connection.name,
      });
    });

    it('history check: random concurrent updates replay to the final row', async () => {
      const seed = Number(process.env.FC_SEED ?? Date.now() % 2 ** 31);
      const w = await oesWorld({ connections: 3 });
      const op = fc.record({
        target: fc.integer({ min: 0, max: 2 }),
        name: fc.option(fc.constantFrom('a', 'b', 'c', 'd'), { nil: undefined }),
        active: fc.option(fc.boolean(), { nil: undefined }),
        expect: fc.option(fc.integer({ min: 1, max: 6 }), { nil: undefined }),
      });
      const ops = fc.sample(fc.array(op, { minLength: 300, maxLength: 300 }), {
        seed,
        numRuns: 1,
      })[0];
      const results = await Promise.all(
        ops.map(async (o, i) => {
          const input: Record<string, unknown> = {};
          if (o.name !== undefined) input.name = o.name;
          if (o.active !== undefined) input.active = o.active;
          if (o.name === undefined && o.active === undefined) input.active = true;
          if (o.expect !== undefined) input.expectedVersion = o.expect;
          const r = await on(i)(
            UPDATE_OES,
            { enterpriseId: w.tenantId, connectionId: w.connectionIds[o.target], input },
            w.admin,
          );
          return { o, input, out: r.data!.updateOesConnection };
        }),
      );
      for (const [target, id] of w.connectionIds.entries()) {
        const { row, events } = await oesSnapshot(w.tenantId, id);
        const mine = results.filter((r) => r.o.target === target);
        for (const r of mine)
          expect(['UpdateOesConnectionSuccess', 'ConflictError'], `seed ${seed}`).toContain(
            r.out.__typename,
          );
        const changed = mine
          .filter((r) => r.out.__typename === 'UpdateOesConnectionSuccess')
          .map((r) => r.out.connection);
        // versions are contiguous and every change has exactly one audit event
        expect(
          events.map((e) => e.to_version),
          `seed ${seed}`,
        ).toEqual(Array.from({ length: row!.version - 1 }, (_, i) => i + 2));
        const changingVersions = new Set(events.map((e) => e.to_version));
        const successVersions = new Set(
          changed.map((c: any) => c.version).filter((v: number) => v > 1),
        );
        expect(
          [...successVersions].every((v) => changingVersions.has(v)),
          `seed ${seed}`,
        ).toBe(true);
        // replaying the successful changes in version order gives the final row
        const state = { name: `Connection ${target}`, active: true };
        for (const e of events) {
          const winner = changed.find((c: any) => c.version === e.to_version);
          expect(winner, `seed ${seed}: version ${e.to_version} has no success`).toBeDefined();
          state.name = winner.name;
          state.active = winner.active;
        }
        expect({ name: row!.name, active: row!.active }, `seed ${seed}`).toEqual(state);
      }
    });
  },
);
