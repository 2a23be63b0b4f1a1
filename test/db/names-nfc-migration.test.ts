import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { up } from '../../db/migrations/2026_12_01_0420_names_nfc.js';
import {
  addConnections,
  connectorWorld,
  UPDATE_CONNECTOR_CONNECTION,
} from '../helpers/connectors.js';
import { dbWorld, PATCH_DB } from '../helpers/databases.js';
import { expectTypename, getHarness, gql } from '../helpers/harness.js';
import { oesWorld } from '../helpers/oes.js';

/**
 * Rows written before names were normalised (an older gateway, or by hand) are simulated by
 * storing NFD spellings directly; the migration then runs again on the test database (it only
 * touches names that are not NFC, and is idempotent).
 */
const NFD = 'Cafe\u0301 reports'; // e + combining acute accent
const NFC = 'Caf\u00e9 reports';

type Table = 'oes_connections' | 'database_connections' | 'connector_connections';

async function stored(table: Table, id: string): Promise<{ name: string; version: number }> {
  const { database } = await getHarness();
  const { rows } = await sql<{ name: string; version: number }>`
    select name, version from ${sql.table(table)} where id = ${id}`.execute(database.db);
  return rows[0];
}

async function storeName(table: Table, id: string, name: string): Promise<void> {
  const { database } = await getHarness();
  await sql`update ${sql.table(table)} set name = ${name} where id = ${id}`.execute(database.db);
}

describe('migration 2026_12_01_0420_names_nfc: connection names stored in NFD', () => {
  it('rewrites them in NFC, so that the uniqueness rules see them, and leaves the rest', async () => {
    const { database } = await getHarness();
    const dbs = await dbWorld({ names: ['d-0', 'd-1', 'd-2', 'd-3'] });
    const [dbNfd, dbOther, dbPairNfd, dbPairNfc] = dbs.connectionIds;
    await storeName('database_connections', dbNfd, NFD);
    // A pair that is one name twice once normalised (ignoring case): neither can be rewritten.
    await storeName('database_connections', dbPairNfd, 'Ba\u0301r');
    await storeName('database_connections', dbPairNfc, 'B\u00c1R');

    const connectors = await connectorWorld();
    const [other] = await addConnections(connectors, 1);
    await storeName('connector_connections', connectors.connectionId, NFD);

    const oes = await oesWorld();
    await storeName('oes_connections', oes.connectionIds[0], NFD);

    const before = await stored('database_connections', dbNfd);
    await up(database.db);
    await up(database.db); // a second run finds nothing left to do

    expect(await stored('database_connections', dbNfd)).toEqual({ ...before, name: NFC });
    expect((await stored('connector_connections', connectors.connectionId)).name).toBe(NFC);
    expect((await stored('oes_connections', oes.connectionIds[0])).name).toBe(NFC);
    expect((await stored('database_connections', dbPairNfd)).name).toBe('Ba\u0301r');
    expect((await stored('database_connections', dbPairNfc)).name).toBe('B\u00c1R');
    expect((await stored('database_connections', dbOther)).name).toBe('d-1');

    // What it is for: the composed spelling of a stored decomposed name is now taken.
    const patched = await gql(
      PATCH_DB,
      { connectionId: dbOther, input: { name: NFC.toUpperCase() } },
      dbs.admin,
    );
    expect(expectTypename(patched.data!.patchDatabaseConnection, 'ConflictError').reason).toBe(
      'NAME_TAKEN',
    );
    const renamed = await gql(
      UPDATE_CONNECTOR_CONNECTION,
      {
        organisationId: connectors.tenantId,
        connectorId: connectors.connectorId,
        connectionId: other.connectionId,
        input: { name: NFC },
      },
      connectors.admin,
    );
    expect(expectTypename(renamed.data!.updateConnectorConnection, 'ConflictError').reason).toBe(
      'NAME_TAKEN',
    );
  });

  it('leaves two decomposed names that become one name as they are, with no composed one', async () => {
    const { database } = await getHarness();
    const dbs = await dbWorld({ names: ['d-0', 'd-1'] });
    const [a, b] = dbs.connectionIds;
    // Two orders of the same two combining marks: different text, one name (ậ) in NFC.
    const [first, second] = ['Ca\u0323\u0302 one', 'Ca\u0302\u0323 one'];
    expect(first.normalize('NFC')).toBe(second.normalize('NFC'));
    await storeName('database_connections', a, first);
    await storeName('database_connections', b, second);
    await up(database.db); // the unique index would refuse rewriting both
    expect((await stored('database_connections', a)).name).toBe(first);
    expect((await stored('database_connections', b)).name).toBe(second);
  });

  it('leaves two connections of one connector whose names become one name as they are', async () => {
    const { database } = await getHarness();
    const connectors = await connectorWorld();
    const [other] = await addConnections(connectors, 1);
    await storeName('connector_connections', connectors.connectionId, NFD);
    await storeName('connector_connections', other.connectionId, NFC);
    await up(database.db);
    expect((await stored('connector_connections', connectors.connectionId)).name).toBe(NFD);
    expect((await stored('connector_connections', other.connectionId)).name).toBe(NFC);
  });
});
