import type { OesConnectionRow } from '../../../db/tables/oes.js';

/** An enterprise client's connection to a partner venue. */
export interface OesConnection {
  id: string;
  enterpriseId: string;
  name: string;
  active: boolean;
  partnerId: string;
  version: number;
  createdAt: Date;
  updatedAt: Date;
}

/** Maps a stored connection row to the domain shape the GraphQL layer serves. */
export function toOesConnection(row: OesConnectionRow): OesConnection {
  return {
    id: row.id,
    enterpriseId: row.tenant_id,
    name: row.name,
    active: row.active,
    partnerId: row.partner_id,
    version: row.version,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}
