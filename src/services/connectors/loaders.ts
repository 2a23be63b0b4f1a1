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
  toCredentialUsage,
  type ConnectorConnection,
} from './model.js';

/**
 * The Connectors service's per-request DataLoaders (merged into the context's loaders). Every
 * key names the tenant, so a request can only ever load its caller's tenant's rows by ids
 * it found in that tenant.
 */
export function createConnectorsLoaders(db: Kysely<Database>) {
  return {
    connector: tenantRowLoader((tenantId, ids) => connectorsByKeys(db, tenantId, ids), toConnector),
    connectorConnection: tenantRowLoader(
      (tenantId, ids) => connectorConnectionsByKeys(db, tenantId, ids),
      toConnectorConnection,
    ),
    authSchemeConfig: tenantRowLoader(
      (tenantId, ids) => authSchemeConfigsByKeys(db, tenantId, ids),
      toAuthSchemeConfig,
    ),
    credential: tenantRowLoader(
      (tenantId, ids) => credentialsByKeys(db, tenantId, ids),
      toCredential,
    ),
    /** Keyed by `(tenant, connection id)`: the slots, each kind in position order. */
    connectionCredentials: tenantGroupLoader(
      (tenantId, ids) => connectionCredentialsByConnections(db, tenantId, ids),
      (row) => row.connection_id,
      toConnectionCredentials,
    ),
    /** Keyed by `(tenant, connection id)`, in position order. */
    connectionVariables: tenantGroupLoader(
      (tenantId, ids) => connectionVariablesByConnections(db, tenantId, ids),
      (row) => row.connection_id,
      (rows) => rows.map(toConnectionVariable),
    ),
    /**
     * Connections of this request's dry runs, by id, as they would be: a credential's
     * `usages` shows these instead of the stored rows (which the dry run did not change).
     */
    wouldBeConnections: new Map<string, ConnectorConnection>(),
    /** Keyed by `(tenant, credential id)`: the usages of the credential (its connections). */
    credentialUsages: tenantGroupLoader(
      (tenantId, ids) => credentialUsagesByCredentials(db, tenantId, ids),
      (row) => row.credential_id,
      (rows) => rows.map(toCredentialUsage),
    ),
  };
}
