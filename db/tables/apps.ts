import type { ColumnType, Generated, Selectable } from 'kysely';
import type { CreatedAt, NullableTimestamp, Timestamp, VersionedColumns } from './identity.js';

export type Json = ColumnType<unknown, string | undefined, string>;

export interface AppsTable {
  id: string;
  tenant_id: string;
  name: string;
  public: Generated<boolean>;
  image_url: string | null;
  schema_id: string | null;
  schema: Json;
  schema_metadata: Json;
  server: Json;
  created_at: CreatedAt;
  updated_at: Timestamp;
  deleted_at: NullableTimestamp;
}

export interface AppAuthConfigsTable {
  id: string;
  tenant_id: string;
  app_id: string;
  position: number;
  type: string;
  is_valid: boolean;
  /** Non-secret part of the auth config; secret parts live sealed in `secret_data_enc`. */
  data: Json;
  secret_data_enc: string | null;
  created_at: CreatedAt;
}

export interface OrgConnectionsTable extends VersionedColumns {
  app_id: string;
  auth_config_id: string | null;
  name: string;
  credential_id: string;
  api_key_enc: string | null;
}

export interface BoardsTable {
  id: string;
  tenant_id: string;
  name: string;
  created_at: CreatedAt;
}

export interface BoardConnectionsTable {
  tenant_id: string;
  board_id: string;
  connection_id: string;
}

export type AppRow = Selectable<AppsTable>;
export type AppAuthConfigRow = Selectable<AppAuthConfigsTable>;
export type OrgConnectionRow = Selectable<OrgConnectionsTable>;
export type BoardRow = Selectable<BoardsTable>;
