import type { DatabaseConnectionReadRow, ReadableColumn } from '../../../db/queries/databases.js';
import type { DatabaseConnectionRow, DatabaseJobRow } from '../../../db/tables/databases.js';
import type { Same } from '../../shared/same.js';
import {
  DATABASE_SSL_MODES,
  PATCH_FIELDS,
  PLAIN_FIELDS,
  type DatabaseSslMode,
  type PlainValues,
} from './rules.js';

/**
 * The Databases service's domain types and their row mappers. Nothing secret is in them:
 * the password and the SSL client key appear only as `hasPassword` / `hasClientKey`.
 */

export type DatabaseJobStatus = 'QUEUED' | 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'CANCELLED';

/** A job that uses a connection. */
export interface DatabaseJob {
  id: string;
  tenantId: string;
  connectionId: string;
  status: DatabaseJobStatus;
  createdAt: Date;
  updatedAt: Date;
}

/** The SSL settings of a connection as read: certificates are public, the key is write-only. */
export interface DatabaseSsl {
  enabled: boolean | null;
  mode: DatabaseSslMode | null;
  caCertificate: string | null;
  clientCertificate: string | null;
  hasClientKey: boolean;
}

/**
 * A connection to a database server, as every read and the patch return it: the plain fields
 * of `PATCH_FIELDS` (name, type, host, port, databaseName, username, schema, …) and these.
 */
export interface DatabaseConnection extends PlainValues {
  id: string;
  tenantId: string;
  version: number;
  createdAt: Date;
  updatedAt: Date;
  hasPassword: boolean;
  /** Null when no SSL option and no client key is set. */
  ssl: DatabaseSsl | null;
  metadata: Record<string, string>;
  /** Empty when the connection is not assigned to a product (the seed's rule), never null. */
  productName: string;
}

/** The non-secret SSL options as stored in the `ssl` jsonb column; unset parts are left out. */
export interface StoredSsl {
  enabled?: boolean;
  mode?: DatabaseSslMode;
  caCertificate?: string;
  clientCertificate?: string;
}

/**
 * Reads the `ssl` column defensively: only the known options with the right types are kept,
 * so a row written by other tooling can neither break the read nor leak unknown content.
 */
export function readStoredSsl(value: unknown): StoredSsl {
  const ssl: StoredSsl = {};
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return ssl;
  const v = value as Record<string, unknown>;
  if (typeof v.enabled === 'boolean') ssl.enabled = v.enabled;
  if (typeof v.mode === 'string' && (DATABASE_SSL_MODES as readonly string[]).includes(v.mode)) {
    ssl.mode = v.mode as DatabaseSslMode;
  }
  if (typeof v.caCertificate === 'string') ssl.caCertificate = v.caCertificate;
  if (typeof v.clientCertificate === 'string') ssl.clientCertificate = v.clientCertificate;
  return ssl;
}

/** Reads the `metadata` column: a flat string map (anything else in it is ignored). */
export function readStoredMetadata(value: unknown): Record<string, string> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return {};
  return Object.fromEntries(Object.entries(value).filter(([, v]) => typeof v === 'string'));
}

/**
 * The columns every read of a connection selects (`db/queries/databases.ts` adds whether
 * each sealed secret is set): the plain fields' columns, taken from `PATCH_FIELDS`, and the
 * rest. The compiler refuses a readable column of the table that is missing here.
 */
export const READ_COLUMNS = [
  'id',
  'tenant_id',
  ...PLAIN_FIELDS.map((field) => PATCH_FIELDS[field].column),
  'ssl',
  'metadata',
  'product_name',
  'version',
  'created_at',
  'updated_at',
] as const;
const readsEveryColumn: Same<(typeof READ_COLUMNS)[number], ReadableColumn> = true;
void readsEveryColumn;

/** Maps a row to the domain connection; secrets become `has…` flags. */
export function toDatabaseConnection(
  row: DatabaseConnectionRow | DatabaseConnectionReadRow,
): DatabaseConnection {
  const stored = readStoredSsl(row.ssl);
  const hasClientKey =
    'has_client_key' in row ? row.has_client_key : row.ssl_client_key_enc !== null;
  const ssl =
    Object.keys(stored).length > 0 || hasClientKey
      ? {
          enabled: stored.enabled ?? null,
          mode: stored.mode ?? null,
          caCertificate: stored.caCertificate ?? null,
          clientCertificate: stored.clientCertificate ?? null,
          hasClientKey,
        }
      : null;
  // As stored: each value was checked when written (`type` is one of the engines).
  const plain = Object.fromEntries(
    PLAIN_FIELDS.map((field) => [field, row[PATCH_FIELDS[field].column]]),
  ) as PlainValues;
  return {
    id: row.id,
    tenantId: row.tenant_id,
    version: row.version,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    ...plain,
    hasPassword: 'has_password' in row ? row.has_password : row.password_enc !== null,
    ssl,
    metadata: readStoredMetadata(row.metadata),
    productName: row.product_name ?? '',
  };
}

/** Maps a job row to the domain job. */
export function toDatabaseJob(row: DatabaseJobRow): DatabaseJob {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    connectionId: row.connection_id,
    status: row.status as DatabaseJobStatus,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}
