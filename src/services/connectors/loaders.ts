import type { Kysely } from 'kysely';
import type { Database } from '../../../db/database.js';
import {
  authSchemeConfigsByKeys,
  connectionCredentialsByConnections,
  connectionVariablesByConnections,
  connectorConnectionsByKeys,
  connectorsByKeys,
  credentialsByKeys,
  credentialUsagesByCredentials,
} from '../../../db/queries/connectors.js';
import { tenantGroupLoader, tenantRowLoader } from '../../tenant-loaders.js';
import {
  toAuthSchemeConfig,
  toConnectionCredentials,
  toConnectionVariable,
  toConnector,
  toConnectorConnection,
  toCredential,
} from './types.js';

/**
 * The Connectors service's per-request DataLoaders (merged into the context's loaders). Every
 * key names the tenant, so a request can only ever load its caller's tenant's rows by ids
 * it found in that tenant.
 */
export function createConnectorsLoaders(db: Kysely<Database>) {
  return {
    connector: tenantRowLoader((keys) => connectorsByKeys(db, keys), toConnector),
    connectorConnection: tenantRowLoader(
      (keys) => connectorConnectionsByKeys(db, keys),
      toConnectorConnection,
    ),
    authSchemeConfig: tenantRowLoader(
      (keys) => authSchemeConfigsByKeys(db, keys),
      toAuthSchemeConfig,
    ),
    credential: tenantRowLoader((keys) => credentialsByKeys(db, keys), toCredential),
    /** Keyed by `(tenant, connection id)`: the slots, each kind in position order. */
    connectionCredentials: tenantGroupLoader(
      (keys) => connectionCredentialsByConnections(db, keys),
      (row) => row.connection_id,
      toConnectionCredentials,
    ),
    /** Keyed by `(tenant, connection id)`, in position order. */
    connectionVariables: tenantGroupLoader(
      (keys) => connectionVariablesByConnections(db, keys),
      (row) => row.connection_id,
      (rows) => rows.map(toConnectionVariable),
    ),
    /** Keyed by `(tenant, credential id)`: the connections that use the credential. */
    credentialUsages: tenantGroupLoader(
      (keys) => credentialUsagesByCredentials(db, keys),
      (row) => row.credential_id,
      (rows) => rows.map(toConnectorConnection),
    ),
  };
}
