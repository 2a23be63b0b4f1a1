import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { CursorSigner } from '../../src/crypto/cursor-signer.js';
import { connectorWorld, addConnections } from '../helpers/connectors.js';
import { countStatements, gql, TEST_SECRET_KEYS } from '../helpers/harness.js';
import { oesWorld, UPDATE_OES } from '../helpers/oes.js';

/**
 * Cursors are tamper-evident: one this gateway did not issue for that list (edited,
 * truncated, forged, from another list, tenant or filter) is a top-level BAD_USER_INPUT.
 */
const OES_PAGE = `query($t: ID!, $first: Int, $after: String) {
  oesConnections(enterpriseId: $t, first: $first, after: $after) { items { id } pageInfo { endCursor hasNextPage } } }`;
const NEXUS_PAGE = `query($t: ID!, $after: String) {
  nexusConnections(tenantId: $t, after: $after) { items { id } pageInfo { endCursor hasNextPage } } }`;
const AUDIT_PAGE = `query($r: ID!, $after: String) {
  auditEvents(resourceId: $r, first: 1, after: $after) { items { id } pageInfo { endCursor hasNextPage } } }`;
const CONNECTOR_PAGE = `query($t: ID!, $c: ID, $after: String) {
  connectorConnections(organisationId: $t, connectorId: $c, first: 1, after: $after) { items { id } pageInfo { endCursor hasNextPage } } }`;

/** Asserts the top-level refusal of `after`, with no rows read. */
async function expectRefused(query: string, variables: Record<string, unknown>, token: string) {
  const { result: r, statements } = await countStatements(() => gql(query, variables, token));
  expect(r.errors?.[0]?.extensions?.code, JSON.stringify(r)).toBe('BAD_USER_INPUT');
  expect(r.errors?.[0]?.extensions?.fieldErrors).toEqual([
    expect.objectContaining({ path: ['after'], code: 'INVALID_CURSOR' }),
  ]);
  expect(r.data ?? null).toBeNull();
  // only the caller's key lookup: no list statement ran with the cursor
  expect(
    statements.filter((s) => /oes_connections|audit_events|connector_connections/.test(s)),
  ).toEqual([]);
}

async function firstCursor(query: string, variables: Record<string, unknown>, token: string) {
  const r = await gql(query, variables, token);
  expect(r.errors, JSON.stringify(r.errors)).toBeUndefined();
  const page = Object.values(r.data!)[0] as { pageInfo: { endCursor: string } };
  expect(page.pageInfo.endCursor).toBeTruthy();
  return page.pageInfo.endCursor;
}

describe('page cursors', () => {
  it('are short opaque base64url tokens, and valid ones page through every row once, in order', async () => {
    const w = await oesWorld({ connections: 5 });
    const seen: string[] = [];
    let after: string | null = null;
    do {
      const r = await gql(OES_PAGE, { t: w.tenantId, first: 2, after }, w.viewer);
      expect(r.errors).toBeUndefined();
      const page = r.data!.oesConnections;
      seen.push(...page.items.map((i: { id: string }) => i.id));
      after = page.pageInfo.hasNextPage ? page.pageInfo.endCursor : null;
      if (after) {
        expect(after).toMatch(/^[A-Za-z0-9_-]{1,64}$/);
        expect(after).not.toContain(w.connectionIds[0]);
      }
    } while (after);
    expect(seen).toEqual(w.connectionIds);
  });

  it('refuses an edited, truncated, extended, unsigned or empty cursor', async () => {
    const w = await oesWorld({ connections: 2 });
    const cursor = await firstCursor(OES_PAGE, { t: w.tenantId, first: 1 }, w.viewer);
    const flip = (i: number) =>
      cursor.slice(0, i) + (cursor[i] === 'A' ? 'B' : 'A') + cursor.slice(i + 1);
    const unsigned = Buffer.from(
      JSON.stringify(['2026-01-01T00:00:00.000Z', w.connectionIds[1]]),
    ).toString('base64url');
    for (const after of [
      flip(0),
      flip(5),
      flip(20),
      flip(cursor.length - 1),
      cursor.slice(0, -1),
      cursor.slice(0, 20),
      `${cursor}A`,
      `${cursor}=`,
      unsigned,
      '',
      randomBytes(41).toString('base64url'),
    ])
      await expectRefused(OES_PAGE, { t: w.tenantId, first: 1, after }, w.viewer);
    // the untouched cursor still works
    const r = await gql(OES_PAGE, { t: w.tenantId, first: 1, after: cursor }, w.viewer);
    expect(r.data!.oesConnections.items).toEqual([{ id: w.connectionIds[1] }]);
  });

  it("refuses a cursor from another list, or from another tenant's list", async () => {
    const a = await oesWorld({ connections: 2 });
    const b = await oesWorld({ connections: 2 });
    const cursor = await firstCursor(OES_PAGE, { t: a.tenantId, first: 1 }, a.viewer);
    await expectRefused(NEXUS_PAGE, { t: a.tenantId, after: cursor }, a.viewer);
    await expectRefused(OES_PAGE, { t: b.tenantId, first: 1, after: cursor }, b.viewer);
  });

  it('refuses a cursor from the same list with another filter (resourceId, connectorId)', async () => {
    const w = await oesWorld({ connections: 2 });
    for (const connectionId of w.connectionIds)
      for (const name of ['one', 'two'])
        await gql(UPDATE_OES, { enterpriseId: w.tenantId, connectionId, input: { name } }, w.admin);
    const [first, second] = w.connectionIds;
    const cursor = await firstCursor(AUDIT_PAGE, { r: first }, w.viewer);
    await expectRefused(AUDIT_PAGE, { r: second, after: cursor }, w.viewer);
    const next = await gql(AUDIT_PAGE, { r: first.toUpperCase(), after: cursor }, w.viewer);
    expect(next.errors).toBeUndefined();
    expect(next.data!.auditEvents.items).toHaveLength(1);

    const c = await connectorWorld();
    await addConnections(c, 2);
    const filtered = await firstCursor(
      CONNECTOR_PAGE,
      { t: c.tenantId, c: c.connectorId },
      c.viewer,
    );
    await expectRefused(CONNECTOR_PAGE, { t: c.tenantId, c: null, after: filtered }, c.viewer);
    const unfiltered = await firstCursor(CONNECTOR_PAGE, { t: c.tenantId, c: null }, c.viewer);
    await expectRefused(
      CONNECTOR_PAGE,
      { t: c.tenantId, c: c.connectorId, after: unfiltered },
      c.viewer,
    );
  });

  it('refuses a signed cursor whose timestamp PostgreSQL could not take, before any SQL', async () => {
    const w = await oesWorld({ connections: 1 });
    // Signed with the gateway's own key: only the range check stands between it and SQL.
    const signer = new CursorSigner(TEST_SECRET_KEYS);
    const scope = { list: 'oesConnections', args: [w.tenantId] };
    for (const time of [8.64e15, Date.parse('+010000-01-01T00:00:00Z'), -1e14])
      await expectRefused(
        OES_PAGE,
        {
          t: w.tenantId,
          first: 1,
          after: signer.sign(scope, { createdAt: new Date(time), id: w.connectionId }),
        },
        w.viewer,
      );
  });
});

describe('cursor keys', () => {
  const key = () => ({ id: randomBytes(4).toString('hex'), key: randomBytes(32) });
  const scope = { list: 'oesConnections', args: ['acme'] };
  const position = {
    createdAt: new Date('2026-01-01T00:00:00.123Z'),
    id: '9deccbc8-e170-45bf-8d81-12116c025d9a',
  };

  it('a cursor signed with an older key of the ring opens until that key leaves the ring', () => {
    const [older, newer] = [key(), key()];
    const cursor = new CursorSigner([older]).sign(scope, position);
    expect(new CursorSigner([newer, older]).open(scope, cursor)).toEqual(position);
    expect(new CursorSigner([newer]).open(scope, cursor)).toBeNull();
    // new cursors are signed with the first key
    const fresh = new CursorSigner([newer, older]).sign(scope, position);
    expect(new CursorSigner([newer]).open(scope, fresh)).toEqual(position);
  });

  it('binds every argument of the scope, null included', () => {
    const signer = new CursorSigner([key()]);
    const cursor = signer.sign({ list: 'x', args: ['a', null] }, position);
    expect(signer.open({ list: 'x', args: ['a', null] }, cursor)).toEqual(position);
    for (const other of [
      { list: 'y', args: ['a', null] },
      { list: 'x', args: ['a', 'null'] },
      { list: 'x', args: ['a'] },
      { list: 'x', args: ['a', null, null] },
      { list: 'x', args: ['b', null] },
    ])
      expect(signer.open(other, cursor), JSON.stringify(other)).toBeNull();
  });
});
