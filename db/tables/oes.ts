import type { Insertable, Selectable, Updateable } from 'kysely';
import type { CreatedAt, VersionedColumns } from './identity.js';

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
