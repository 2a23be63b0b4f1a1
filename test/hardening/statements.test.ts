import { describe, expect, it } from 'vitest';
import { countStatements, expectTypename, gql } from '../helpers/harness.js';
import { dbWorld } from '../helpers/databases.js';
import { oesWorld } from '../helpers/oes.js';

// Only the mutated row's own fields: nested fields would add their (batched) reads.
const UPDATE_OES = `mutation($enterpriseId: ID!, $connectionId: ID!, $input: UpdateOesConnectionInput!) {
  updateOesConnection(enterpriseId: $enterpriseId, connectionId: $connectionId, input: $input) {
    __typename ... on UpdateOesConnectionSuccess { connection { id name active version } } } }`;
const PATCH_DB = `mutation($connectionId: ID!, $input: PatchDatabaseConnectionInput!) {
  patchDatabaseConnection(connectionId: $connectionId, input: $input) {
    __typename ... on PatchDatabaseConnectionSuccess { connection { id name port version } } } }`;

/**
 * A mutation runs only the statements its work needs (BEGIN and COMMIT, which the driver
 * sends, come on top of these): tests that fail when a statement is added.
 */
const TRANSACTION_CONTROL = /^(start transaction|begin|commit|rollback)/i;
/** The statements doing the work; on the server Kysely also logs `start transaction`/`commit`. */
const work = (statements: string[]) => {
  const control = statements.filter((s) => TRANSACTION_CONTROL.test(s));
  // PGlite runs the transaction through its own API (nothing logged); on a server: one of each.
  if (control.length > 0) expect(control.map((s) => s.split(' ')[0])).toEqual(['start', 'commit']);
  return statements.filter((s) => !TRANSACTION_CONTROL.test(s));
};
const kinds = (statements: string[]) =>
  work(statements).map((s) => s.replace(/\s+/g, ' ').split(' ').slice(0, 3).join(' '));

describe('statements per mutation', () => {
  it('updateOesConnection: key lookup, licence, lock-and-read, update, audit', async () => {
    const w = await oesWorld();
    const { result, statements } = await countStatements(() =>
      gql(
        UPDATE_OES,
        { enterpriseId: w.tenantId, connectionId: w.connectionId, input: { name: 'counted' } },
        w.admin,
      ),
    );
    expectTypename(result.data!.updateOesConnection, 'UpdateOesConnectionSuccess');
    expect(kinds(statements)).toEqual([
      'select "k"."id", "k"."principal_id",',
      'select "tenant_id", "entitlement"',
      // The lock lists the row's columns: it is a named statement, which must not read `*`.
      'select "id", "tenant_id",',
      'update "oes_connections" set',
      'insert into "audit_events"',
    ]);
  });

  it('a no-op writes nothing: key lookup, licence, lock-and-read', async () => {
    const w = await oesWorld();
    const { statements } = await countStatements(() =>
      gql(
        UPDATE_OES,
        { enterpriseId: w.tenantId, connectionId: w.connectionId, input: { name: 'Connection 0' } },
        w.admin,
      ),
    );
    expect(work(statements)).toHaveLength(3);
    expect(statements.some((s) => /^(update|insert)/.test(s))).toBe(false);
  });

  it('patchDatabaseConnection rename: key lookup, lock, active jobs, name lock, name check, update, audit', async () => {
    const w = await dbWorld();
    const { result, statements } = await countStatements(() =>
      gql(
        PATCH_DB,
        { connectionId: w.connectionId, input: { name: 'renamed-db', port: 6543 } },
        w.admin,
      ),
    );
    expectTypename(result.data!.patchDatabaseConnection, 'PatchDatabaseConnectionSuccess');
    expect(work(statements)).toHaveLength(7);
    const { statements: portOnly } = await countStatements(() =>
      gql(PATCH_DB, { connectionId: w.connectionId, input: { port: 6544 } }, w.admin),
    );
    expect(work(portOnly)).toHaveLength(5); // no rename: no name lock, no name check
  });
});
