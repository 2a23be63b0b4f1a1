import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../database.js';
import {
  OES_CONNECTION_COLUMNS,
  type OesConnectionRow,
  type OesConnectionUpdate,
  type OesPartnerRow,
} from '../tables/oes.js';
import { prepared } from '../prepared.js';
import { keysetPage, type PageRequest } from './pagination.js';
import {
  pageKeys,
  pageReader,
  partsShape,
  type Keys,
  type PageStatement,
  type PageWithParts,
} from './page-parts.js';
import { inTenant } from './tenant-keys.js';

/**
 * Locks and reads one OES connection of one tenant for the rest of the transaction:
 * `select <every column> from oes_connections where tenant_id = $1 and id = $2 for update`.
 */
export async function lockOesConnection(
  trx: Transaction<Database>,
  tenantId: string,
  id: string,
): Promise<OesConnectionRow | undefined> {
  const [row] = await lockOes(trx, tenantId, id);
  return row;
}

// The statements of an update are named (parsed and planned once per server connection): an
// update's CPU in the gateway fell by about a tenth with them (bench/README.md, round 6).
const lockOes = prepared(
  (db, tenantId: string, id: string) =>
    db
      .selectFrom('oes_connections')
      .select(OES_CONNECTION_COLUMNS)
      .where('tenant_id', '=', tenantId)
      .where('id', '=', id)
      .forUpdate(),
  { named: true },
);

/** Writes the changed columns and the new version; returns the row as stored. */
export async function updateOesConnection(
  trx: Transaction<Database>,
  tenantId: string,
  id: string,
  changes: OesConnectionUpdate,
): Promise<OesConnectionRow> {
  const [row] = await updateOes(trx, changes, new Date(), tenantId, id);
  if (!row) throw new Error(`oes_connections ${tenantId}/${id} vanished under its lock`);
  return row;
}

const updateOes = prepared(
  (db, changes: OesConnectionUpdate, updatedAt: Date, tenantId: string, id: string) =>
    db
      .updateTable('oes_connections')
      .set({ ...changes, updated_at: updatedAt })
      .where('tenant_id', '=', tenantId)
      .where('id', '=', id)
      .returning(OES_CONNECTION_COLUMNS),
  // One name per set of changed columns (bounded by the updatable columns; see `prepared`).
  { named: true },
);

export async function getOesConnection(
  db: Kysely<Database>,
  tenantId: string,
  id: string,
): Promise<OesConnectionRow | undefined> {
  const [row] = await oesConnectionById(db, tenantId, id);
  return row;
}

// Named: the change feed reads the connection of every OES change it delivers with it (once
// per change for all its subscribers), so under a busy tenant it runs as often as the updates.
const oesConnectionById = prepared(
  (db, tenantId: string, id: string) =>
    db
      .selectFrom('oes_connections')
      .select(OES_CONNECTION_COLUMNS)
      .where('tenant_id', '=', tenantId)
      .where('id', '=', id),
  { named: true },
);

export async function listOesConnections(
  db: Kysely<Database>,
  tenantId: string,
  page: PageRequest,
): Promise<OesConnectionRow[]> {
  return keysetPage(selectOesConnections(db, tenantId), page).execute();
}

function selectOesConnections(db: Kysely<Database>, tenantId: string) {
  return db.selectFrom('oes_connections').selectAll().where('tenant_id', '=', tenantId);
}

/** The nested parts a page of OES connections can be read with (see page-parts.ts). */
export interface OesConnectionPageParts {
  /** The connections' partners (`partnersByKeys`). */
  partners?: boolean;
}

const oesConnectionsPage = pageReader(
  { rows: ['created_at', 'updated_at'], parts: { partners: ['created_at'] } },
  (db, wanted: OesConnectionPageParts, tenantId: string) => {
    const parts: PageStatement<OesConnectionRow>['parts'] = {};
    if (wanted.partners) parts.partners = partnersQuery(db, tenantId, pageKeys('partner_id'));
    return { query: selectOesConnections(db, tenantId), parts };
  },
);

/**
 * A page of an enterprise's OES connections with the parts asked for, in one statement; each
 * part holds exactly the rows its batch query returns for the page's keys.
 */
export async function listOesConnectionsWithParts(
  db: Kysely<Database>,
  tenantId: string,
  page: PageRequest,
  wanted: OesConnectionPageParts,
): Promise<PageWithParts<OesConnectionRow>> {
  return oesConnectionsPage(db, partsShape(wanted), page, tenantId);
}

/** Batch: partners by `(tenant, id)` keys, for the per-request loader. */
export async function partnersByKeys(
  db: Kysely<Database>,
  tenantId: string,
  ids: readonly string[],
): Promise<OesPartnerRow[]> {
  if (ids.length === 0) return [];
  return partnersQuery(db, tenantId, ids).execute();
}

function partnersQuery(db: Kysely<Database>, tenantId: string, keys: Keys) {
  return db
    .selectFrom('oes_partners')
    .selectAll()
    .where(inTenant('tenant_id', 'id', tenantId, keys));
}
