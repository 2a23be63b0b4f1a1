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

function createIdentityAndOesLoaders(db: Kysely<Database>) {
  return {
    entitlements: new DataLoader<string, string[]>((tenantIds) =>
      entitlementsOfTenants(db, tenantIds),
    ),
    oesPartner: tenantRowLoader((tenantId, ids) => partnersByKeys(db, tenantId, ids)),
  };
}

/** Each service's set of loaders; a request builds a set when it first uses one of them. */
const loaderSets = [
  createIdentityAndOesLoaders,
  createNexusLoaders,
  createAppsLoaders,
  createDatabasesLoaders,
  createConnectorsLoaders,
] as const;

type Union<T> = T extends readonly ((db: Kysely<Database>) => infer L)[] ? L : never;
type Intersection<U> = (U extends unknown ? (u: U) => void : never) extends (i: infer I) => void
  ? I
  : never;
export type Loaders = Readonly<Intersection<Union<typeof loaderSets>>>;

/**
 * Shared by every request's loaders: one getter per loader name that, on first use, builds
 * that loader's service set for this request and stores it on the request's object. A
 * mutation that loads nothing builds none of them.
 */
const lazyLoaders: object = Object.create(null);
for (const createSet of loaderSets) {
  // The names of the set's loaders (building a set runs no SQL; the db is never touched).
  for (const name of Object.keys(createSet(null as never))) {
    Object.defineProperty(lazyLoaders, name, {
      get(this: { db: Kysely<Database> }) {
        const set: Record<string, unknown> = createSet(this.db);
        for (const [key, loader] of Object.entries(set))
          Object.defineProperty(this, key, { value: loader, enumerable: true });
        return set[name];
      },
    });
  }
}

/**
 * The per-request loaders. A new set is built for every request, so nothing one request
 * loads is ever served to another. Every key names the tenant.
 */
export function createLoaders(db: Kysely<Database>): Loaders {
  return new RequestLoaders(db) as unknown as Loaders;
}

/**
 * A request's loaders: its database, and the getters of `lazyLoaders` by inheritance. A class
 * rather than `Object.create(lazyLoaders, { db: … })`, whose property descriptor map took V8's
 * slow path on every request (~15 µs of a mutation's CPU profile, bench/README.md, round 5).
 */
class RequestLoaders {
  constructor(readonly db: Kysely<Database>) {}
}
Object.setPrototypeOf(RequestLoaders.prototype, lazyLoaders);
