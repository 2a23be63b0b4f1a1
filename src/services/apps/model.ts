import type {
  AppAuthConfigReadRow,
  ConnectionBoardRow,
  OrgConnectionReadRow,
} from '../../../db/queries/apps.js';
import type { AppAuthConfigRow, AppRow, OrgConnectionRow } from '../../../db/tables/apps.js';

export const ORG_CONNECTION_RESOURCE = 'OrgConnection';

/** A JSON object as stored in a `jsonb` column. */
export type JsonObject = Record<string, unknown>;

/** An organisation's connection to an App, authenticated by API key. Holds no secret. */
export interface OrgConnection {
  id: string;
  /** The organisation (tenant) that owns the connection. */
  orgId: string;
  name: string;
  appId: string;
  /** The App auth config the connection authenticates with, if any. */
  authConfigId: string | null;
  /** Names the current credential; a new API key is a new credential with a new id. */
  credentialId: string;
  hasApiKey: boolean;
  version: number;
  createdAt: Date;
  updatedAt: Date;
}

/** An App an organisation can connect to. */
export interface App {
  id: string;
  orgId: string;
  name: string;
  public: boolean;
  imageUrl: string | null;
  schemaId: string | null;
  schema: JsonObject;
  schemaMetadata: JsonObject;
  server: JsonObject;
  createdAt: Date;
  updatedAt: Date;
  deletedAt: Date | null;
}

/** One way to authenticate with an App; `data` is only the non-secret part. */
export interface AppAuthConfig {
  id: string;
  orgId: string;
  appId: string;
  type: string;
  isValid: boolean;
  data: JsonObject;
  /** Whether sealed secret data (e.g. an OAuth `clientSecret`) is stored; never its value. */
  hasSecretData: boolean;
}

/** A board that uses a connection. */
export interface Board {
  id: string;
  name: string;
}

/** Maps a stored connection to the domain; the sealed API key stays behind. */
export function toOrgConnection(row: OrgConnectionRow | OrgConnectionReadRow): OrgConnection {
  return {
    id: row.id,
    orgId: row.tenant_id,
    name: row.name,
    appId: row.app_id,
    authConfigId: row.auth_config_id,
    credentialId: row.credential_id,
    hasApiKey: 'has_api_key' in row ? row.has_api_key : row.api_key_enc !== null,
    version: row.version,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** Maps a stored App to the domain. */
export function toApp(row: AppRow): App {
  return {
    id: row.id,
    orgId: row.tenant_id,
    name: row.name,
    public: row.public,
    imageUrl: row.image_url,
    schemaId: row.schema_id,
    schema: row.schema as JsonObject,
    schemaMetadata: row.schema_metadata as JsonObject,
    server: row.server as JsonObject,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    deletedAt: row.deleted_at,
  };
}

/**
 * Maps a stored auth config to the domain: the non-secret `data` column only. The sealed
 * `secret_data_enc` is never opened for output; only its presence is reported.
 */
export function toAppAuthConfig(row: AppAuthConfigRow | AppAuthConfigReadRow): AppAuthConfig {
  return {
    id: row.id,
    orgId: row.tenant_id,
    appId: row.app_id,
    type: row.type,
    isValid: row.is_valid,
    data: row.data as JsonObject,
    hasSecretData: 'has_secret_data' in row ? row.has_secret_data : row.secret_data_enc !== null,
  };
}

/** Maps a board row (as found for a connection) to the domain. */
export function toBoard(row: ConnectionBoardRow): Board {
  return { id: row.id, name: row.name };
}
