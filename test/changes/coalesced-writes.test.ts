import type { Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertAuditEvent } from '../../db/queries/audit.js';
import { getHarness, newApiKey, newTenant } from '../helpers/harness.js';
import { auditRow, servedGateway, waitForSubscribers } from '../helpers/live.js';

/**
 * A feed read that brings k changes leaves each subscriber's socket in one write (`src/live.ts`
 * `coalesceSends`). That leans on two libraries' behaviour that their docs do not promise:
 * graphql-ws's `useServer` sends each message with the `ws` socket's own `send(data, cb)` (the
 * method the gateway wraps to cork), and `ws` writes a frame to the TCP socket at once, inside
 * that call. If either changes, messages still arrive but each in its own write again: this
 * counts the server socket's writes (its `_write`/`_writev`, one system call each) and fails.
 */
let b: Awaited<ReturnType<typeof servedGateway>>;
/** Each write of a server-side socket: how many `next` messages it carried. */
const writes: number[] = [];

const EVENTS_ONLY = /* GraphQL */ `
  subscription Changes($tenantId: ID!) {
    connectionChanges(tenantId: $tenantId) {
      event {
        id
      }
    }
  }
`;

beforeAll(async () => {
  // A read gathers the commits of 300 ms: the three below arrive in one read.
  b = await servedGateway({ changes: { batchMs: 300 } });
  b.http.server.on('connection', (socket: Socket) => {
    type Write = (chunk: unknown, encoding: unknown, cb: unknown) => void;
    type Writev = (chunks: { chunk: unknown }[], cb: unknown) => void;
    const nexts = (chunk: unknown) => String(chunk).split('"type":"next"').length - 1;
    const count = (n: number) => n > 0 && writes.push(n);
    const stream = socket as unknown as { _write: Write; _writev: Writev };
    const write = stream._write.bind(socket);
    const writev = stream._writev.bind(socket);
    stream._write = (chunk, encoding, cb) => (count(nexts(chunk)), write(chunk, encoding, cb));
    stream._writev = (chunks, cb) => (
      count(chunks.reduce((n, { chunk }) => n + nexts(chunk), 0)),
      writev(chunks, cb)
    );
  });
});

afterAll(() => b.close());

describe('a subscriber’s messages of one feed read', () => {
  it('leave its socket in one write', async () => {
    const tenantId = await newTenant();
    const viewer = await newApiKey(tenantId, ['connections:read']);
    const joined = b.gateway.changes.joinedCount;
    const subs = [];
    for (let i = 0; i < 2; i++) {
      subs.push((await b.connect(viewer)).subscribe({ tenantId }, EVENTS_ONLY));
    }
    await waitForSubscribers(b.gateway, joined + 2);
    const { database } = await getHarness();
    for (let i = 0; i < 3; i++)
      await database.db.transaction().execute((trx) => insertAuditEvent(trx, auditRow(tenantId)));
    for (const sub of subs) expect(await sub.waitFor(3)).toHaveLength(3);
    // Two sockets, each written once with the three messages (not three writes each).
    expect(writes).toEqual([3, 3]);
  });
});
