import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertAuditEvent } from '../../db/queries/audit.js';
import { SubscriberTooSlowError } from '../../src/changes/feed.js';
import type { Gateway } from '../../src/server.js';
import { getHarness, gql, newTenant, newApiKey } from '../helpers/harness.js';
import {
  auditRow,
  connectLive,
  secondGateway,
  serve,
  waitForSubscribers,
  type LiveClient,
  type Received,
} from '../helpers/live.js';
import { oesWorld, UPDATE_OES } from '../helpers/oes.js';
import { onServer } from '../helpers/server.js';

/**
 * What `connectionChanges` promises about delivery: every committed change exactly once, in
 * order per resource, across gateways, whatever order transactions commit in, through a lost
 * listening connection, and with slow subscribers cut off alone.
 */
let b: { gateway: Gateway; close(): Promise<void> };
let servedA: Awaited<ReturnType<typeof serve>>;
let servedB: Awaited<ReturnType<typeof serve>>;
const clients: LiveClient[] = [];

beforeAll(async () => {
  const { gateway } = await getHarness();
  b = await secondGateway();
  servedA = await serve(gateway);
  servedB = await serve(b.gateway);
});

afterAll(async () => {
  for (const c of clients) c.close();
  await servedA.close();
  await servedB.close();
  await b.close();
});

async function live(url: string, token: string) {
  const client = await connectLive(url, token);
  clients.push(client);
  return client;
}

/**
 * Transaction A writes its event first (the smaller `seq`), B writes later and commits
 * first, then A commits. Resolves with both event ids and a function that commits A.
 */
async function outOfOrderPair(tenantId: string) {
  const { database } = await getHarness();
  const a = auditRow(tenantId);
  const bRow = auditRow(tenantId);
  let commitA!: () => void;
  const aMayCommit = new Promise<void>((resolve) => (commitA = resolve));
  let aWrote!: () => void;
  const aHasWritten = new Promise<void>((resolve) => (aWrote = resolve));
  const aDone = database.db.transaction().execute(async (trx) => {
    await insertAuditEvent(trx, a);
    aWrote();
    await aMayCommit;
  });
  await aHasWritten;
  await database.db.transaction().execute(async (trx) => insertAuditEvent(trx, bRow));
  return {
    aId: a.id,
    bId: bRow.id,
    commitA: async () => {
      commitA();
      await aDone;
    },
  };
}

async function seqOf(id: string): Promise<bigint> {
  const { database } = await getHarness();
  const { rows } = await sql<{
    seq: string;
  }>`select seq::text as seq from audit_events where id = ${id}`.execute(database.db);
  return BigInt(rows[0].seq);
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 500));

describe.runIf(onServer)('delivery on the server', () => {
  it('delivers a transaction that took the smaller seq but committed later, once', async () => {
    const tenantId = await newTenant();
    const viewer = await newApiKey(tenantId, ['connections:read']);
    const joined = b.gateway.changes.joinedCount;
    const sub = (await live(servedB.url, viewer)).subscribe({ tenantId });
    await waitForSubscribers(b.gateway, joined + 1);

    const pair = await outOfOrderPair(tenantId);
    const [first] = await sub.waitFor(1);
    expect(first.event.id).toBe(pair.bId);
    // A client that resumes from B's cursor while A is still open...
    const resumer = (await live(servedA.url, viewer)).subscribe({ tenantId, after: first.cursor });
    await pair.commitA();
    // The forced order: A's seq is smaller, so "everything after B's seq" would skip A.
    expect(await seqOf(pair.aId)).toBeLessThan(await seqOf(pair.bId));

    await sub.waitFor(2);
    await resumer.waitFor(1);
    await settle();
    expect(sub.received.map((c) => c.event.id)).toEqual([pair.bId, pair.aId]);
    // ...gets A exactly once too.
    expect(resumer.received.map((c) => c.event.id)).toEqual([pair.aId]);
  });

  it('2 writers × 200 changes on two gateways reach 3 subscribers exactly once, in version order', async () => {
    const w = await oesWorld({ connections: 4 });
    const { gateway: a } = await getHarness();
    const joinedA = a.changes.joinedCount;
    const joinedB = b.gateway.changes.joinedCount;
    const s1 = (await live(servedA.url, w.viewer)).subscribe({ tenantId: w.tenantId });
    const s2 = (await live(servedB.url, w.viewer)).subscribe({ tenantId: w.tenantId });
    const s3client = await live(servedB.url, w.viewer);
    const s3 = s3client.subscribe({ tenantId: w.tenantId });
    await waitForSubscribers(a, joinedA + 1);
    await waitForSubscribers(b.gateway, joinedB + 2);

    const onB = async (variables: Record<string, unknown>) => {
      const contextValue = await b.gateway.contextFor({ authorization: `Bearer ${w.admin}` });
      const r = await b.gateway.apollo.executeOperation(
        { query: UPDATE_OES, variables },
        { contextValue },
      );
      if (r.body.kind !== 'single') throw new Error('single');
      return r.body.singleResult;
    };
    const writer = async (name: string, run: typeof onB) => {
      for (let i = 0; i < 200; i++) {
        const connectionId = w.connectionIds[(i * 7 + name.length) % 4];
        const r = await run({
          enterpriseId: w.tenantId,
          connectionId,
          input: { name: `${name} ${i}` },
        });
        expect((r.data as any)?.updateOesConnection.__typename).toBe('UpdateOesConnectionSuccess');
      }
    };
    // Meanwhile: a forced out-of-order commit, and s3 drops and resumes mid-stream.
    const forced = (async () => {
      await s1.waitFor(50, 60_000);
      const pair = await outOfOrderPair(w.tenantId);
      await s1.waitFor(60, 60_000);
      await pair.commitA();
    })();
    const s3resumed = (async () => {
      await s3.waitFor(100, 60_000);
      s3client.close();
      await settle();
      const last = s3.received.at(-1)!;
      return (await live(servedA.url, w.viewer)).subscribe({
        tenantId: w.tenantId,
        after: last.cursor,
      });
    })();
    await Promise.all([
      writer('a', (v) => gql(UPDATE_OES, v, w.admin) as never),
      writer('bb', onB as never),
      forced,
    ]);
    const resumed = await s3resumed;

    const { database } = await getHarness();
    const committed = await database.db
      .selectFrom('audit_events')
      .select(['id', 'resource_id', 'to_version'])
      .where('tenant_id', '=', w.tenantId)
      .execute();
    expect(committed).toHaveLength(402);
    await s1.waitFor(402, 30_000);
    await s2.waitFor(402, 30_000);
    const s3all = (): Received[] => [...s3.received, ...resumed.received];
    await resumed.waitFor(402 - s3.received.length, 30_000);
    await settle();

    const expected = committed.map((e) => e.id).sort();
    for (const received of [s1.received, s2.received, s3all()]) {
      const ids = received.map((c) => c.event.id);
      expect(ids.length).toBe(402);
      expect([...ids].sort()).toEqual(expected);
      // Per resource, versions arrive in order.
      const byResource = new Map<string, number[]>();
      for (const c of received) {
        const list = byResource.get(c.event.resourceId) ?? [];
        list.push(c.event.toVersion);
        byResource.set(c.event.resourceId, list);
      }
      for (const versions of byResource.values())
        expect(versions).toEqual([...versions].sort((x, y) => x - y));
    }
  }, 120_000);

  it('loses nothing when the listening connection is killed mid-stream', async () => {
    const name = `cgw-test-${randomUUID().slice(0, 8)}`;
    // No safety-net poll here: only the reconnect can bring the missed changes.
    const c = await secondGateway({ changes: { pollMs: 600_000 } }, name);
    const served = await serve(c.gateway);
    try {
      const w = await oesWorld();
      const sub = (await live(served.url, w.viewer)).subscribe({ tenantId: w.tenantId });
      await waitForSubscribers(c.gateway, 1);
      const rename = (n: string) =>
        gql(
          UPDATE_OES,
          { enterpriseId: w.tenantId, connectionId: w.connectionId, input: { name: n } },
          w.admin,
        );
      await rename('before');
      await sub.waitFor(1);

      const { database } = await getHarness();
      const killed = await sql<{ ok: boolean }>`
        select pg_terminate_backend(pid) as ok from pg_stat_activity
        where application_name = ${`${name}:listen`}`.execute(database.db);
      expect(killed.rows).toEqual([{ ok: true }]);
      await rename('during 1');
      await rename('during 2');
      await sub.waitFor(3, 15_000);
      await rename('after');
      await sub.waitFor(4, 15_000);
      await settle();
      expect(sub.received.map((r) => r.connection?.name ?? r.event.toVersion)).toHaveLength(4);
      expect(sub.received.map((r) => r.event.toVersion)).toEqual([2, 3, 4, 5]);
    } finally {
      await served.close();
      await c.close();
    }
  });
});

describe('back-pressure', () => {
  it('cuts off a subscriber more than 1,000 changes behind with 4008; others go on; it resumes', async () => {
    const tenantId = await newTenant();
    const quiet = await newTenant();
    const viewer = await newApiKey(tenantId, ['connections:read']);
    const quietViewer = await newApiKey(quiet, ['connections:read']);
    const joined = b.gateway.changes.joinedCount;
    const slow = await live(servedB.url, viewer);
    const sub = slow.subscribe({ tenantId });
    const other = (await live(servedB.url, quietViewer)).subscribe({ tenantId: quiet });
    await waitForSubscribers(b.gateway, joined + 2);
    const { database } = await getHarness();
    await database.db.transaction().execute((trx) => insertAuditEvent(trx, auditRow(tenantId)));
    const [before] = await sub.waitFor(1);

    // One commit of 1,001 changes: more than the subscriber may have waiting.
    const burst = Array.from({ length: 1_001 }, () => auditRow(tenantId));
    await database.db.insertInto('audit_events').values(burst).execute();
    const closed = await slow.closed;
    expect(closed.code).toBe(4008);
    expect(closed.reason).toMatch(/more than 1000 changes behind; resume with `after`/);

    await database.db.transaction().execute((trx) => insertAuditEvent(trx, auditRow(quiet)));
    await other.waitFor(1);

    const resumed = (await live(servedA.url, viewer)).subscribe({ tenantId, after: before.cursor });
    // On PGlite every change's connection is read on the one embedded connection: slow.
    await resumed.waitFor(1_001, 100_000);
    await settle();
    const ids = resumed.received.map((c) => c.event.id);
    expect(ids).toHaveLength(1_001);
    expect([...ids].sort()).toEqual(burst.map((e) => e.id).sort());
  }, 150_000);

  it('a slow subscriber is cut alone: a fast one of the same tenant receives everything', async () => {
    const c = await secondGateway({ changes: { bufferLimit: 5 } });
    try {
      const w = await oesWorld();
      const accepts = () => true;
      const fast = c.gateway.changes.subscribe({ tenantId: w.tenantId, accepts });
      const slow = c.gateway.changes.subscribe({ tenantId: w.tenantId, accepts });
      const received: string[] = [];
      const reading = (async () => {
        for await (const change of fast) {
          received.push(change.row.id);
          if (received.length === 10) break;
        }
      })();
      await waitForSubscribers(c.gateway, 2);
      for (let i = 0; i < 10; i++) {
        await gql(
          UPDATE_OES,
          { enterpriseId: w.tenantId, connectionId: w.connectionId, input: { name: `n${i}` } },
          w.admin,
        );
        const until = Date.now() + 5_000;
        while (received.length <= i && Date.now() < until)
          await new Promise((resolve) => setTimeout(resolve, 5));
      }
      await reading;
      expect(received).toHaveLength(10);
      await expect(slow.next()).rejects.toBeInstanceOf(SubscriberTooSlowError);
    } finally {
      await c.close();
    }
  });
});
