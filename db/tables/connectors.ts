import type { ColumnType, Selectable } from 'kysely';
import type { CreatedAt, NullableTimestamp, Timestamp, VersionedColumns } from './identity.js';
import type { Json } from './apps.js';

export interface ConnectorsTable {
  id: string;
  tenant_id: string;
  name: string;
  protocol: string;
  created_at: CreatedAt;
  updated_at: Timestamp;
}

export interface AuthSchemeConfigsTable {
  id: string;
  tenant_id: string;
  connector_id: string;
  scheme_type: string;
  description: string;
  config: Json;
  created_at: CreatedAt;
}

export interface CredentialsTable {
  id: string;
  tenant_id: string;
  type: string;
  name: string;
  data_enc: string | null;
  errors: ColumnType<string[], string[] | undefined, string[]>;
  expires_at: NullableTimestamp;
  created_at: CreatedAt;
}

export interface ConnectorConnectionsTable extends VersionedColumns {
  connector_id: string;
  name: string;
}

export interface ConnectionCredentialsTable {
  id: string;
  tenant_id: string;
  connection_id: string;
  kind: 'action' | 'trigger';
  position: number;
  credential_id: string;
  auth_scheme_config_id: string;
  created_at: CreatedAt;
}

export interface ConnectionVariablesTable {
  tenant_id: string;
  connection_id: string;
  position: number;
  name: string;
  value: string;
}

export type ConnectorRow = Selectable<ConnectorsTable>;
export type AuthSchemeConfigRow = Selectable<AuthSchemeConfigsTable>;
export type CredentialRow = Selectable<CredentialsTable>;
export type ConnectorConnectionRow = Selectable<ConnectorConnectionsTable>;
export type ConnectionCredentialRow = Selectable<ConnectionCredentialsTable>;
export type ConnectionVariableRow = Selectable<ConnectionVariablesTable>;
