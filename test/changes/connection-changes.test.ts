import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertAuditEvent } from '../../db/queries/audit.js';
import { randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import { JWT_CLOCK_TOLERANCE_S } from '../../src/auth/jwt.js';
import type { Gateway } from '../../src/server.js';
import {
  countStatements,
  getHarness,
  gql,
  newApiKey,
  TEST_JWT_SECRET,
} from '../helpers/harness.js';
import { notifyChanges } from '../../db/queries/changes.js';
import {
  connectLive,
  secondGateway,
  serve,
  waitForSubscribers,
  type LiveClient,
} from '../helpers/live.js';
import { connectorWorld, UPDATE_CONNECTOR_CONNECTION } from '../helpers/connectors.js';
import { oesWorld, UPDATE_OES } from '../helpers/oes.js';

/**
 * `connectionChanges` end to end: mutations through gateway A (the harness's), subscribers
 * on gateway B (another pool and listening connection on the same database), over a real
 * WebSocket.
 */
let b: { gateway: Gateway; close(): Promise<void> };
let served: Awaited<ReturnType<typeof serve>>;
const clients: LiveClient[] = [];

beforeAll(async () => {
  b = await secondGateway({ changes: { credentialsRecheckMs: 200 } });
  served = await serve(b.gateway);
});

afterAll(async () => {
  for (const c of clients) c.close();
  await served.close();
  await b.close();
});

async function live(token?: string) {
  const client = await connectLive(served.url, token);
  clients.push(client);
  return client;
}

const rename = (w: Awaited<ReturnType<typeof oesWorld>>, name: string, expectedVersion?: number) =>
  gql(
    UPDATE_OES,
    {
      enterpriseId: w.tenantId,
      connectionId: w.connectionId,
      input: { name, ...(expectedVersion ? { expectedVersion } : {}) },
    },
    w.admin,
  );

describe('connectionChanges', () => {
  it('reads a change’s connection once for all the subscribers it reaches in a process', async () => {
    const w = await oesWorld();
    const { gateway } = await getHarness();
    const local = await serve(gateway);
    const mine: LiveClient[] = [];
    const subs: ReturnType<LiveClient['subscribe']>[] = [];
    try {
      const joined = gateway.changes.joinedCount;
      for (let i = 0; i < 5; i++) {
        const client = await connectLive(local.url, w.viewer);
        mine.push(client);
        subs.push(client.subscribe({ tenantId: w.tenantId }));
      }
      await waitForSubscribers(gateway, joined + 5);
      const { statements } = await countStatements(async () => {
        await rename(w, 'Read once');
        for (const sub of subs) await sub.waitFor(1);
      });
      for (const sub of subs) {
        const [change] = await sub.waitFor(1);
        expect(change.connection).toMatchObject({ name: 'Read once', partner: { name: 'Venue' } });
      }
      // The mutation locks the row (FOR UPDATE) and reads its partner for its own answer;
      // the deliveries read the row, and its partner, once for all five subscribers.
      const reads = (table: string) =>
        statements.filter((s) => s.includes(`from "${table}"`) && !/for update/.test(s));
      expect(reads('oes_connections'), reads('oes_connections').join('\n')).toHaveLength(1);
      expect(reads('oes_partners')).toHaveLength(2);
    } finally {
      for (const client of mine) client.close();
      await local.close();
    }
  });

  it('reads the partners of the changes one feed read brings in one statement', async () => {
    const w = await oesWorld({ connections: 3 });
    const { gateway, database } = await getHarness();
    const local = await serve(gateway);
    const client = await connectLive(local.url, w.viewer);
    try {
      const joined = gateway.changes.joinedCount;
      const sub = client.subscribe({ tenantId: w.tenantId });
      await waitForSubscribers(gateway, joined + 1);
      // Three changes committed together, so that one read of the feed brings all three.
      const rows = w.connectionIds.map((id) => auditRow(w.tenantId, id, 'updateOesConnection'));
      const { statements } = await countStatements(async () => {
        await database.db.transaction().execute(async (trx) => {
          for (const row of rows) await insertAuditEvent(trx, row);
        });
        await notifyChanges(database.db);
        await sub.waitFor(3);
      });
      const changes = await sub.waitFor(3);
      expect(changes.map((c) => c.connection?.id)).toEqual(w.connectionIds);
      for (const change of changes)
        expect(change.connection?.partner).toMatchObject({ name: 'Venue' });
      const reads = (table: string) => statements.filter((s) => s.includes(`from "${table}"`));
      // Each change's connection is read for it; their partner once for the three (one
      // statement per change before the loaders were shared by the changes of a read).
      expect(reads('oes_connections')).toHaveLength(3);
      expect(reads('oes_partners'), reads('oes_partners').join('\n')).toHaveLength(1);
    } finally {
      client.close();
      await local.close();
    }
  });

  it('answers each subscription with its own selection, though one process computes each result once per selection', async () => {
    const w = await oesWorld();
    const joined = b.gateway.changes.joinedCount;
    const client = await live(w.viewer);
    const full = client.subscribe({ tenantId: w.tenantId });
    const full2 = (await live(w.viewer)).subscribe({ tenantId: w.tenantId });
    const small = client.subscribe(
      { tenantId: w.tenantId },
      'subscription($tenantId: ID!) { connectionChanges(tenantId: $tenantId) { event { toVersion } } }',
    );
    await waitForSubscribers(b.gateway, joined + 3);
    const fastPath = b.gateway.live.sharedMessageCount;
    await rename(w, 'Selected');
    const [a] = await full.waitFor(1);
    const [b2] = await full2.waitFor(1);
    const [c] = await small.waitFor(1);
    expect(a).toEqual(b2);
    expect(a.connection).toMatchObject({ name: 'Selected' });
    expect(c).toEqual({ event: { toVersion: 2 } });
    // Each result's JSON was written once and spliced into each message (the fast path of
    // `src/changes/shared-json.ts`), and each message is what graphql-ws itself would send.
    expect(b.gateway.live.sharedMessageCount - fastPath).toBe(3);
    for (const [sub, id] of [
      [full, '1'],
      [full2, '1'],
      [small, '2'],
    ] as const) {
      const payload = JSON.parse(sub.texts[0]).payload;
      expect(sub.texts[0]).toBe(JSON.stringify({ id, type: 'next', payload }));
    }
  });

  it('delivers a change made on another gateway: the event, its fields and the connection', async () => {
    const w = await oesWorld();
    const joined = b.gateway.changes.joinedCount;
    const sub = (await live(w.viewer)).subscribe({ tenantId: w.tenantId });
    await waitForSubscribers(b.gateway, joined + 1);

    const result = await rename(w, 'Renamed once');
    expect(result.data?.updateOesConnection.__typename).toBe('UpdateOesConnectionSuccess');

    const [change] = await sub.waitFor(1);
    expect(change.event).toMatchObject({
      tenantId: w.tenantId,
      resourceType: 'OesConnection',
      resourceId: w.connectionId,
      operation: 'updateOesConnection',
      changedFields: ['name'],
      fromVersion: 1,
      toVersion: 2,
    });
    expect(change.connection).toEqual({
      __typename: 'OesConnection',
      id: w.connectionId,
      name: 'Renamed once',
      active: true,
      version: 2,
      partner: { name: 'Venue' },
    });
    expect(typeof change.cursor).toBe('string');
  });

  it("delivers a connector connection with its connector, and its usages' connectors", async () => {
    const w = await connectorWorld();
    const joined = b.gateway.changes.joinedCount;
    const sub = (await live(w.viewer)).subscribe(
      { tenantId: w.tenantId },
      `subscription($tenantId: ID!) { connectionChanges(tenantId: $tenantId) { connection {
        ... on ConnectorConnection {
          name
          connector { id name }
          credentials { trigger { credential { usages { connection { name connector { name } } } } } }
        }
      } } }`,
    );
    await waitForSubscribers(b.gateway, joined + 1);
    const result = await gql(
      UPDATE_CONNECTOR_CONNECTION,
      {
        organisationId: w.tenantId,
        connectorId: w.connectorId,
        connectionId: w.connectionId,
        input: { name: 'Fed' },
      },
      w.admin,
    );
    expect(result.data?.updateConnectorConnection.__typename).toBe(
      'UpdateConnectorConnectionSuccess',
    );
    const [change] = await sub.waitFor(1);
    expect(sub.errors).toEqual([]);
    expect(change.connection).toEqual({
      name: 'Fed',
      connector: { id: w.connectorId, name: 'Shopify' },
      credentials: {
        trigger: [
          {
            credential: {
              usages: [{ connection: { name: 'Fed', connector: { name: 'Shopify' } } }],
            },
          },
        ],
      },
    });
  });

  it('never delivers a rolled-back or refused change', async () => {
    const w = await oesWorld();
    const joined = b.gateway.changes.joinedCount;
    const sub = (await live(w.admin)).subscribe({ tenantId: w.tenantId });
    await waitForSubscribers(b.gateway, joined + 1);

    // Rolled back: the row is written and then the transaction throws.
    const { database } = await getHarness();
    await expect(
      database.db.transaction().execute(async (trx) => {
        await insertAuditEvent(trx, auditRow(w.tenantId, w.connectionId, 'rolledBack'));
        throw new Error('roll back');
      }),
    ).rejects.toThrow('roll back');
    // Refused: a version mismatch and a caller without write permission.
    expect((await rename(w, 'x', 7)).data?.updateOesConnection.__typename).toBe('ConflictError');
    const denied = await gql(
      UPDATE_OES,
      { enterpriseId: w.tenantId, connectionId: w.connectionId, input: { name: 'y' } },
      w.viewer,
    );
    expect(denied.data?.updateOesConnection.__typename).toBe('PermissionDeniedError');
    await rename(w, 'Committed');

    await sub.waitFor(1);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(sub.received.map((c) => c.event.operation)).toEqual(['updateOesConnection']);
    expect(sub.received[0].connection?.name).toBe('Committed');
  });

  it('resumes with after: exactly the changes committed after that one, then live', async () => {
    const w = await oesWorld();
    const client = await live(w.viewer);
    const joined = b.gateway.changes.joinedCount;
    const first = client.subscribe({ tenantId: w.tenantId });
    await waitForSubscribers(b.gateway, joined + 1);
    await rename(w, 'v2');
    await rename(w, 'v3');
    const [, second] = await first.waitFor(2);
    client.close();

    await rename(w, 'v4');
    await rename(w, 'v5');
    const resumed = (await live(w.viewer)).subscribe({
      tenantId: w.tenantId,
      after: second.cursor,
    });
    await resumed.waitFor(2);
    await rename(w, 'v6');
    await resumed.waitFor(3);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(resumed.received.map((c) => c.event.toVersion)).toEqual([4, 5, 6]);
    // The cursor of a replayed change resumes as exactly as a live one.
    const again = (await live(w.viewer)).subscribe({
      tenantId: w.tenantId,
      after: resumed.received[0].cursor,
    });
    await again.waitFor(2);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(again.received.map((c) => c.event.toVersion)).toEqual([5, 6]);
  });

  it('refuses: no credentials, another tenant, no read permission, a malformed or foreign after', async () => {
    const w = await oesWorld();
    const other = await oesWorld();
    const noRead = await newApiKey(w.tenantId, ['connections:write']);
    const refusal = async (
      token: string | undefined,
      variables: { tenantId: string; after?: string },
    ) => {
      const sub = (await live(token)).subscribe(variables);
      await sub.ended;
      return sub.errors.map((e) => e.extensions?.code);
    };
    expect(await refusal(undefined, { tenantId: w.tenantId })).toEqual(['UNAUTHENTICATED']);
    expect(await refusal('cgw_unknown_key', { tenantId: w.tenantId })).toEqual(['UNAUTHENTICATED']);
    expect(await refusal(w.viewer, { tenantId: other.tenantId })).toEqual(['FORBIDDEN']);
    expect(await refusal(noRead, { tenantId: w.tenantId })).toEqual(['FORBIDDEN']);
    expect(await refusal(w.viewer, { tenantId: w.tenantId, after: 'not-a-cursor' })).toEqual([
      'BAD_USER_INPUT',
    ]);

    // A genuine cursor of another tenant is refused too.
    const joined = b.gateway.changes.joinedCount;
    const sub = (await live(other.viewer)).subscribe({ tenantId: other.tenantId });
    await waitForSubscribers(b.gateway, joined + 1);
    await rename(other, 'other tenant');
    const [change] = await sub.waitFor(1);
    expect(await refusal(w.viewer, { tenantId: w.tenantId, after: change.cursor })).toEqual([
      'BAD_USER_INPUT',
    ]);
    // And an edited one.
    const edited = change.cursor.replace(/^./, (c) => (c === 'W' ? 'X' : 'W'));
    expect(await refusal(other.viewer, { tenantId: other.tenantId, after: edited })).toEqual([
      'BAD_USER_INPUT',
    ]);
    // A variable of the wrong type ends that subscription only, without quoting the value.
    const client = await live(w.viewer);
    const wrong = client.subscribe({ tenantId: { hunter2: 1 } as unknown as string });
    await wrong.ended;
    expect(wrong.errors.map((e) => e.extensions?.code)).toEqual(['BAD_USER_INPUT']);
    expect(JSON.stringify(wrong.errors)).not.toContain('hunter2');
    const still = client.subscribe({ tenantId: w.tenantId, after: 'not-a-cursor' });
    await still.ended;
    expect(still.errors.map((e) => e.extensions?.code)).toEqual(['BAD_USER_INPUT']);
  });

  it('keeps tenants apart and OES changes from a tenant without the licence', async () => {
    const w = await oesWorld();
    const other = await oesWorld();
    const joined = b.gateway.changes.joinedCount;
    const mine = (await live(w.viewer)).subscribe({ tenantId: w.tenantId });
    const theirs = (await live(other.viewer)).subscribe({ tenantId: other.tenantId });
    await waitForSubscribers(b.gateway, joined + 2);
    await rename(w, 'mine');
    await rename(other, 'theirs');
    await mine.waitFor(1);
    await theirs.waitFor(1);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(mine.received.map((c) => c.event.tenantId)).toEqual([w.tenantId]);
    expect(theirs.received.map((c) => c.event.tenantId)).toEqual([other.tenantId]);

    // The licence is withdrawn: replaying from before the change no longer shows it, while
    // a change of another kind still arrives.
    const cursor = mine.received[0].cursor;
    await rename(w, 'second');
    await mine.waitFor(2);
    const { database } = await getHarness();
    await database.db
      .deleteFrom('tenant_entitlements')
      .where('tenant_id', '=', w.tenantId)
      .execute();
    await database.db.transaction().execute(async (trx) => {
      await insertAuditEvent(trx, {
        ...auditRow(w.tenantId, randomUUID(), 'patchDatabaseConnection'),
        resource_type: 'DatabaseConnection',
      });
    });
    const replay = (await live(w.viewer)).subscribe({ tenantId: w.tenantId, after: cursor });
    await replay.waitFor(1);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(replay.received.map((c) => [c.event.resourceType, c.connection])).toEqual([
      ['DatabaseConnection', null],
    ]);
  });

  it('stops OES changes to an open subscription when the licence is withdrawn, resumes them when granted', async () => {
    const w = await oesWorld();
    const joined = b.gateway.changes.joinedCount;
    const sub = (await live(w.viewer)).subscribe({ tenantId: w.tenantId });
    await waitForSubscribers(b.gateway, joined + 1);
    await rename(w, 'licensed');
    await sub.waitFor(1);

    const { database } = await getHarness();
    const event = async (resourceType: string) =>
      database.db.transaction().execute(async (trx) => {
        await insertAuditEvent(trx, {
          ...auditRow(w.tenantId, randomUUID(), 'test'),
          resource_type: resourceType,
        });
      });
    const entitlements = () =>
      database.db.selectFrom('tenant_entitlements').where('tenant_id', '=', w.tenantId);
    const licence = await entitlements().selectAll().execute();
    await database.db
      .deleteFrom('tenant_entitlements')
      .where('tenant_id', '=', w.tenantId)
      .execute();
    // Withdrawn: an OES change (the mutation itself would now be refused) does not arrive; a
    // change of another kind, committed after it, does.
    await event('OesConnection');
    await event('DatabaseConnection');
    await sub.waitFor(2);
    // Granted again: OES changes arrive again, on the same subscription.
    await database.db.insertInto('tenant_entitlements').values(licence).execute();
    await event('OesConnection');
    await sub.waitFor(3);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(sub.received.map((c) => c.event.resourceType)).toEqual([
      'OesConnection',
      'DatabaseConnection',
      'OesConnection',
    ]);
    expect(sub.errors).toEqual([]);
  });

  it('closes the socket when its key’s rights change, so nothing unauthorized is delivered', async () => {
    const w = await oesWorld();
    const client = await live(w.viewer);
    client.subscribe({ tenantId: w.tenantId });
    const { database } = await getHarness();
    const { hashApiKey } = await import('../../src/auth/api-keys.js');
    const key = await database.db
      .selectFrom('api_keys')
      .select('id')
      .where('key_hash', '=', hashApiKey(w.viewer))
      .executeTakeFirstOrThrow();
    await database.db.deleteFrom('api_key_memberships').where('api_key_id', '=', key.id).execute();
    const closed = await Promise.race([
      client.closed,
      new Promise((resolve) => setTimeout(() => resolve('still open'), 5_000)),
    ]);
    expect(closed).toEqual({ code: 4403, reason: 'credentials changed: reconnect' });
  });

  it('closes the socket once the API key is revoked or the JWT expires', async () => {
    const w = await oesWorld();
    const keyClient = await live(w.viewer);
    keyClient.subscribe({ tenantId: w.tenantId });
    const { database } = await getHarness();
    const hash = (await import('../../src/auth/api-keys.js')).hashApiKey(w.viewer);
    await database.db
      .updateTable('api_keys')
      .set({ revoked_at: new Date() } as never)
      .where('key_hash', '=', hash)
      .execute();
    const revoked = await Promise.race([
      keyClient.closed,
      new Promise((resolve) => setTimeout(() => resolve('still open'), 5_000)),
    ]);
    expect(revoked).toEqual({ code: 4403, reason: 'credentials revoked or expired' });

    const jwt = await new SignJWT({
      memberships: [{ tenantId: w.tenantId, permissions: ['connections:read'] }],
    })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(`p-${randomUUID()}`)
      // Accepted for about 2 more seconds: `exp` is checked with the gateway's clock tolerance.
      .setExpirationTime(Math.floor(Date.now() / 1000) - JWT_CLOCK_TOLERANCE_S + 2)
      .sign(new TextEncoder().encode(TEST_JWT_SECRET));
    const jwtClient = await live(jwt);
    jwtClient.subscribe({ tenantId: w.tenantId });
    const expired = await Promise.race([
      jwtClient.closed,
      new Promise((resolve) => setTimeout(() => resolve('still open'), 6_000)),
    ]);
    expect(expired).toEqual({ code: 4403, reason: 'credentials revoked or expired' });
  });
});

function auditRow(tenantId: string, resourceId: string, operation: string) {
  return {
    id: randomUUID(),
    tenant_id: tenantId,
    actor_id: 'test',
    actor_kind: 'api_key',
    resource_type: 'OesConnection',
    resource_id: resourceId,
    operation,
    changed_fields: ['name'],
    from_version: 1,
    to_version: 2,
    request_id: randomUUID(),
  };
}
