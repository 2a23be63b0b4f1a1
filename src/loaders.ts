import DataLoader from 'dataloader';
import type { Kysely } from 'kysely';
import type { Database } from '../db/database.js';
import { entitlementsOfTenants } from '../db/queries/identity.js';
import { partnersByKeys } from '../db/queries/oes.js';
import type { OesPartnerRow } from '../db/tables/oes.js';
import { createAppsLoaders } from './services/apps/loaders.js';
import { createConnectorsLoaders } from './services/connectors/loaders.js';
import { createDatabasesLoaders } from './services/databases/loaders.js';
import { createNexusLoaders } from './services/nexus/loaders.js';

/** A row's identity within its tenant: every loader key names the tenant too. */
export interface TenantKey {
  tenantId: string;
  id: string;
}

const cacheKey = (k: TenantKey) => `${k.tenantId}\u0000${k.id}`;

/**
 * A loader of rows by `(tenant, id)` from a batch function that returns the rows found in any
 * order; answers in key order, `null` for a key with no row.
 */
export function tenantRowLoader<Row extends { tenant_id: string; id: string }>(
  batch: (keys: readonly TenantKey[]) => Promise<Row[]>,
): DataLoader<TenantKey, Row | null, string> {
  return new DataLoader(
    async (keys) => {
      const rows = await batch(keys);
      const byKey = new Map(rows.map((r) => [cacheKey({ tenantId: r.tenant_id, id: r.id }), r]));
      return keys.map((k) => byKey.get(cacheKey(k)) ?? null);
    },
    { cacheKeyFn: cacheKey },
  );
}

/**
 * The per-request loaders. A new set is built for every request, so nothing one request
 * loads is ever served to another.
 */
export function createLoaders(db: Kysely<Database>) {
  return {
    entitlements: new DataLoader<string, string[]>((tenantIds) =>
      entitlementsOfTenants(db, tenantIds),
    ),
    oesPartner: tenantRowLoader<OesPartnerRow>((keys) => partnersByKeys(db, keys)),
    ...createNexusLoaders(db),
    ...createAppsLoaders(db),
    ...createDatabasesLoaders(db),
    ...createConnectorsLoaders(db),
  };
}

export type Loaders = ReturnType<typeof createLoaders>;
