import DataLoader from 'dataloader';
import type { Kysely } from 'kysely';
import type { Database } from '../../../db/database.js';
import {
  appsByKeys,
  authConfigsByAppKeys,
  authConfigsByKeys,
  boardsByConnectionKeys,
  type ConnectionBoardRow,
  type TenantKeyed,
} from '../../../db/queries/apps.js';
import type { AppAuthConfigRow, AppRow } from '../../../db/tables/apps.js';
import {
  toApp,
  toAppAuthConfig,
  toBoard,
  type App,
  type AppAuthConfig,
  type Board,
} from './service.js';

const cacheKey = (k: TenantKeyed) => `${k.tenantId}\u0000${k.id}`;

/**
 * A loader of one object per `(tenant, id)` key from a batch that returns the rows found in
 * any order: answers in key order, `null` where no row exists.
 */
function oneByKey<Row, T>(
  batch: (keys: readonly TenantKeyed[]) => Promise<Row[]>,
  keyOf: (row: Row) => TenantKeyed,
  map: (row: Row) => T,
): DataLoader<TenantKeyed, T | null, string> {
  return new DataLoader(
    async (keys) => {
      const rows = await batch(keys);
      const byKey = new Map(rows.map((r) => [cacheKey(keyOf(r)), map(r)]));
      return keys.map((k) => byKey.get(cacheKey(k)) ?? null);
    },
    { cacheKeyFn: cacheKey },
  );
}

/**
 * A loader of a list per `(tenant, parent id)` key from a batch that returns every child row
 * of every key, already in list order: answers in key order, `[]` for a key without rows.
 */
function manyByKey<Row, T>(
  batch: (keys: readonly TenantKeyed[]) => Promise<Row[]>,
  keyOf: (row: Row) => TenantKeyed,
  map: (row: Row) => T,
): DataLoader<TenantKeyed, T[], string> {
  return new DataLoader(
    async (keys) => {
      const rows = await batch(keys);
      const byKey = new Map<string, T[]>();
      for (const row of rows) {
        const key = cacheKey(keyOf(row));
        const list = byKey.get(key);
        if (list) list.push(map(row));
        else byKey.set(key, [map(row)]);
      }
      return keys.map((k) => byKey.get(cacheKey(k)) ?? []);
    },
    { cacheKeyFn: cacheKey },
  );
}

/**
 * The Apps service's per-request DataLoaders (merged into the context's loaders), each one
 * SQL statement per batch and keyed within the tenant:
 * - `app`: an App by `(tenant, appId)`;
 * - `appAuthConfigs`: an App's auth configs by `(tenant, appId)`, in the App's order;
 * - `appAuthConfig`: one auth config by `(tenant, authConfigId)`;
 * - `orgConnectionBoards`: the boards using a connection by `(tenant, connectionId)`.
 */
export function createAppsLoaders(db: Kysely<Database>) {
  return {
    app: oneByKey<AppRow, App>(
      (keys) => appsByKeys(db, keys),
      (r) => ({ tenantId: r.tenant_id, id: r.id }),
      toApp,
    ),
    appAuthConfigs: manyByKey<AppAuthConfigRow, AppAuthConfig>(
      (keys) => authConfigsByAppKeys(db, keys),
      (r) => ({ tenantId: r.tenant_id, id: r.app_id }),
      toAppAuthConfig,
    ),
    appAuthConfig: oneByKey<AppAuthConfigRow, AppAuthConfig>(
      (keys) => authConfigsByKeys(db, keys),
      (r) => ({ tenantId: r.tenant_id, id: r.id }),
      toAppAuthConfig,
    ),
    orgConnectionBoards: manyByKey<ConnectionBoardRow, Board>(
      (keys) => boardsByConnectionKeys(db, keys),
      (r) => ({ tenantId: r.tenant_id, id: r.connection_id }),
      toBoard,
    ),
  };
}
