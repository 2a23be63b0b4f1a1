import DataLoader from 'dataloader';
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
  type TenantIdKey,
} from '../../../db/queries/connectors.js';
import {
  toAuthSchemeConfig,
  toConnectionCredentials,
  toConnectionVariable,
  toConnector,
  toConnectorConnection,
  toCredential,
} from './types.js';

const cacheKey = (k: TenantIdKey) => `${k.tenantId}\u0000${k.id}`;

/**
 * A loader of one object per `(tenant, id)` key: one batch statement, rows mapped to domain
 * objects, answers in key order, `null` where no row exists in that tenant.
 */
function tenantObjectLoader<Row extends { tenant_id: string; id: string }, T>(
  batch: (keys: readonly TenantIdKey[]) => Promise<Row[]>,
  map: (row: Row) => T,
): DataLoader<TenantIdKey, T | null, string> {
  return new DataLoader(
    async (keys) => {
      const rows = await batch(keys);
      const byKey = new Map(
        rows.map((r) => [cacheKey({ tenantId: r.tenant_id, id: r.id }), map(r)]),
      );
      return keys.map((k) => byKey.get(cacheKey(k)) ?? null);
    },
    { cacheKeyFn: cacheKey },
  );
}

/**
 * A loader of the rows that belong to each `(tenant, owner id)` key (a connection's slots, a
 * credential's usages): one batch statement, rows grouped by `ownerOf`, kept in the order the
 * statement returned them, then shaped by `shape`; a key with no rows gets `shape([])`.
 */
function tenantGroupLoader<Row extends { tenant_id: string }, T>(
  batch: (keys: readonly TenantIdKey[]) => Promise<Row[]>,
  ownerOf: (row: Row) => string,
  shape: (rows: Row[]) => T,
): DataLoader<TenantIdKey, T, string> {
  return new DataLoader(
    async (keys) => {
      const rows = await batch(keys);
      const groups = new Map<string, Row[]>();
      for (const row of rows) {
        const key = cacheKey({ tenantId: row.tenant_id, id: ownerOf(row) });
        const group = groups.get(key);
        if (group) group.push(row);
        else groups.set(key, [row]);
      }
      return keys.map((k) => shape(groups.get(cacheKey(k)) ?? []));
    },
    { cacheKeyFn: cacheKey },
  );
}

/**
 * The Connectors service's per-request DataLoaders (merged into the context's loaders). Every
 * key names the tenant, so a request can only ever load its caller's tenant's rows by ids
 * it found in that tenant.
 */
export function createConnectorsLoaders(db: Kysely<Database>) {
  return {
    connector: tenantObjectLoader((keys) => connectorsByKeys(db, keys), toConnector),
    connectorConnection: tenantObjectLoader(
      (keys) => connectorConnectionsByKeys(db, keys),
      toConnectorConnection,
    ),
    authSchemeConfig: tenantObjectLoader(
      (keys) => authSchemeConfigsByKeys(db, keys),
      toAuthSchemeConfig,
    ),
    credential: tenantObjectLoader((keys) => credentialsByKeys(db, keys), toCredential),
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
