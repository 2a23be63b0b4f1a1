import type { ColumnType, Selectable } from 'kysely';
import type { CreatedAt, ListsEveryColumn, Timestamp, VersionedColumns } from './identity.js';
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

/**
 * Every column of `database_connections`, listed: the statements that read a whole row are
 * named prepared statements, which must not read `*` (db/named-statements.ts). The compiler
 * refuses a list that misses a column of the table's type or names one it does not have.
 */
export const DATABASE_CONNECTION_COLUMNS = [
  'id',
  'tenant_id',
  'name',
  'type',
  'host',
  'port',
  'database_name',
  'username',
  'password_enc',
  'schema',
  'ssl',
  'ssl_client_key_enc',
  'metadata',
  'product_name',
  'version',
  'created_at',
  'updated_at',
] as const satisfies readonly (keyof DatabaseConnectionsTable)[];
const listsEveryColumn: ListsEveryColumn<
  DatabaseConnectionsTable,
  typeof DATABASE_CONNECTION_COLUMNS
> = true;
void listsEveryColumn;
export type DatabaseJobRow = Selectable<DatabaseJobsTable>;
