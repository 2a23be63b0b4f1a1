import type { ColumnType, Selectable } from 'kysely';
import type { CreatedAt, Timestamp, VersionedColumns } from './identity.js';
import type { Json } from './apps.js';

export interface DatabaseConnectionsTable extends VersionedColumns {
  name: string;
  type: string;
  host: string;
  port: number;
  database_name: string;
  username: string;
  password_enc: string | null;
  schema: string | null;
  /** Non-secret SSL options; the client key lives sealed in `ssl_client_key_enc`. */
  ssl: ColumnJson;
  ssl_client_key_enc: string | null;
  metadata: Json;
  product_name: string | null;
}

type ColumnJson = ColumnType<unknown | null, string | null | undefined, string | null>;

export interface DatabaseJobsTable {
  id: string;
  tenant_id: string;
  connection_id: string;
  status: string;
  created_at: CreatedAt;
  updated_at: Timestamp;
}

export type DatabaseConnectionRow = Selectable<DatabaseConnectionsTable>;
export type DatabaseJobRow = Selectable<DatabaseJobsTable>;
