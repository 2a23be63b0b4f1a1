import type { Selectable } from 'kysely';
import type { CreatedAt, VersionedColumns } from './identity.js';

export interface NexusClientsTable {
  tenant_id: string;
  id: string;
  name: string;
  owner_principal_id: string | null;
  created_at: CreatedAt;
}

export interface NexusConnectionsTable extends VersionedColumns {
  name: string;
}

export interface NexusConnectionClientsTable {
  tenant_id: string;
  connection_id: string;
  client_id: string;
  position: number;
  enabled: boolean;
}

export type NexusClientRow = Selectable<NexusClientsTable>;
export type NexusConnectionRow = Selectable<NexusConnectionsTable>;
export type NexusConnectionClientRow = Selectable<NexusConnectionClientsTable>;
