import type { Insertable, Selectable, Updateable } from 'kysely';
import type { CreatedAt, ListsEveryColumn, VersionedColumns } from './identity.js';

export interface OesPartnersTable {
  id: string;
  tenant_id: string;
  name: string;
  created_at: CreatedAt;
}

export interface OesConnectionsTable extends VersionedColumns {
  partner_id: string;
  name: string;
  active: boolean;
}

export type OesPartnerRow = Selectable<OesPartnersTable>;
export type OesConnectionRow = Selectable<OesConnectionsTable>;
export type NewOesConnectionRow = Insertable<OesConnectionsTable>;
export type OesConnectionUpdate = Updateable<OesConnectionsTable>;

/**
 * Every column of `oes_connections`, listed: the statements that read a whole row are named
 * prepared statements, which must not read `*` (db/named-statements.ts). The compiler refuses
 * a list that misses a column of the table's type or names one it does not have.
 */
export const OES_CONNECTION_COLUMNS = [
  'id',
  'tenant_id',
  'partner_id',
  'name',
  'active',
  'version',
  'created_at',
  'updated_at',
] as const satisfies readonly (keyof OesConnectionsTable)[];
const listsEveryColumn: ListsEveryColumn<OesConnectionsTable, typeof OES_CONNECTION_COLUMNS> = true;
void listsEveryColumn;
