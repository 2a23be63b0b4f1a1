import DataLoader from 'dataloader';
import type { Kysely } from 'kysely';
import type { Database } from '../db/database.js';
import { entitlementsOfTenants } from '../db/queries/identity.js';
import { partnersByKeys } from '../db/queries/oes.js';
import { createAppsLoaders } from './services/apps/loaders.js';
import { createConnectorsLoaders } from './services/connectors/loaders.js';
import { createDatabasesLoaders } from './services/databases/loaders.js';
import { createNexusLoaders } from './services/nexus/loaders.js';
import { tenantRowLoader } from './tenant-loaders.js';

/**
 * The per-request loaders. A new set is built for every request, so nothing one request
 * loads is ever served to another. Every key names the tenant.
 */
export function createLoaders(db: Kysely<Database>) {
  return {
    entitlements: new DataLoader<string, string[]>((tenantIds) =>
      entitlementsOfTenants(db, tenantIds),
    ),
    oesPartner: tenantRowLoader((keys) => partnersByKeys(db, keys)),
    ...createNexusLoaders(db),
    ...createAppsLoaders(db),
    ...createDatabasesLoaders(db),
    ...createConnectorsLoaders(db),
  };
}

export type Loaders = ReturnType<typeof createLoaders>;
