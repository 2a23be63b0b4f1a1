import type {
  AuthSchemeConfigReadRow,
  ConnectionCredentialReadRow,
  CredentialSummaryRow,
} from '../../../db/queries/connectors.js';
import type {
  ConnectionVariableRow,
  ConnectorConnectionRow,
  ConnectorRow,
} from '../../../db/tables/connectors.js';

/** A connector: the thing a connection connects to, with its auth scheme configs. */
export interface Connector {
  id: string;
  organisationId: string;
  name: string;
  protocol: string;
  createdAt: Date;
  updatedAt: Date;
}

/** One connection of a connector; its connector, credentials and variables are read through loaders. */
export interface ConnectorConnection {
  id: string;
  organisationId: string;
  connectorId: string;
  name: string;
  version: number;
  createdAt: Date;
  updatedAt: Date;
  /** The credential slots when they are not the stored ones: a dry run's would-be order. */
  credentials?: ConnectionCredentials;
  /** The variables when they are not the stored ones: a dry run's would-be list. */
  variables?: ConnectionVariable[];
  /**
   * The connector, once whoever hands the connection to the API has filled it in (the API
   * shows it as a plain field; see resolvers/connectors/connection-connectors.ts).
   */
  connector?: Connector;
}

export type CredentialKind = 'action' | 'trigger';

/**
 * A credential slot of a connection: which credential it uses, with which auth scheme config,
 * at which position of its kind's list. `id` is the slot's id (what the update input names).
 */
export interface ConnectionCredential {
  id: string;
  organisationId: string;
  connectionId: string;
  kind: CredentialKind;
  position: number;
  credentialId: string;
  authSchemeConfigId: string;
}

/** The slots of one connection, each kind in its order. */
export interface ConnectionCredentials {
  action: ConnectionCredential[];
  trigger: ConnectionCredential[];
}

/** One of a connector's ways to authenticate; `config` stays server-side. */
export interface AuthSchemeConfig {
  id: string;
  organisationId: string;
  connectorId: string;
  schemeType: string;
  description: string;
}

/** A credential without its data: the data is a secret, only `hasData` says it is set. */
export interface Credential {
  id: string;
  organisationId: string;
  type: string;
  name: string;
  errors: string[];
  expiresAt: Date | null;
  hasData: boolean;
  createdAt: Date;
}

/**
 * A connection that uses a credential, as `Credential.usages` lists it. Built once per loaded
 * row, so the resolver hands out the loader's list itself rather than a new one per slot.
 */
export interface CredentialUsage {
  connection: ConnectorConnection;
}

export interface ConnectionVariable {
  name: string;
  value: string;
}

/** Maps a `connectors` row to the domain connector. */
export function toConnector(row: ConnectorRow): Connector {
  return {
    id: row.id,
    organisationId: row.tenant_id,
    name: row.name,
    protocol: row.protocol,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** Maps a `connector_connections` row to the domain connection. */
export function toConnectorConnection(row: ConnectorConnectionRow): ConnectorConnection {
  return {
    id: row.id,
    organisationId: row.tenant_id,
    connectorId: row.connector_id,
    name: row.name,
    version: row.version,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** Maps a `connection_credentials` row to the domain slot. */
export function toConnectionCredential(row: ConnectionCredentialReadRow): ConnectionCredential {
  return {
    id: row.id,
    organisationId: row.tenant_id,
    connectionId: row.connection_id,
    kind: row.kind,
    position: row.position,
    credentialId: row.credential_id,
    authSchemeConfigId: row.auth_scheme_config_id,
  };
}

/** Splits a connection's slots (already in position order) into its action and trigger lists. */
export function toConnectionCredentials(
  rows: readonly ConnectionCredentialReadRow[],
): ConnectionCredentials {
  const slots = rows.map(toConnectionCredential);
  return {
    action: slots.filter((s) => s.kind === 'action'),
    trigger: slots.filter((s) => s.kind === 'trigger'),
  };
}

/** Maps an `auth_scheme_configs` row to the domain config (without its `config` JSON). */
export function toAuthSchemeConfig(row: AuthSchemeConfigReadRow): AuthSchemeConfig {
  return {
    id: row.id,
    organisationId: row.tenant_id,
    connectorId: row.connector_id,
    schemeType: row.scheme_type,
    description: row.description,
  };
}

/** Maps a credential summary row (never the sealed data) to the domain credential. */
export function toCredential(row: CredentialSummaryRow): Credential {
  return {
    id: row.id,
    organisationId: row.tenant_id,
    type: row.type,
    name: row.name,
    errors: row.errors,
    expiresAt: row.expires_at,
    hasData: row.has_data,
    createdAt: row.created_at,
  };
}

/** Maps a usage row (the connection's whole row) to the usage it lists. */
export function toCredentialUsage(row: ConnectorConnectionRow): CredentialUsage {
  return { connection: toConnectorConnection(row) };
}

/** Maps a `connection_variables` row to the domain variable. */
export function toConnectionVariable(row: ConnectionVariableRow): ConnectionVariable {
  return { name: row.name, value: row.value };
}
