import type { Kysely } from 'kysely';
import type { Database } from '../../../db/database.js';
import {
  appsByKeys,
  authConfigsByAppKeys,
  authConfigsByKeys,
  boardsByConnectionKeys,
} from '../../../db/queries/apps.js';
import { tenantGroupLoader, tenantRowLoader } from '../../tenant-loaders.js';
import { toApp, toAppAuthConfig, toBoard, type App, type OrgConnection } from './model.js';

/**
 * The Apps service's per-request DataLoaders (merged into the context's loaders), each one
 * SQL statement per batch and keyed within the tenant:
 * - `app`: an App by `(tenant, appId)`;
 * - `appAuthConfigs`: an App's auth configs by `(tenant, appId)`, in the App's order;
 * - `appAuthConfig`: one auth config by `(tenant, authConfigId)`;
 * - `orgConnectionBoards`: the boards using a connection by `(tenant, connectionId)`;
 * - `pageApps`: the App of a connection of a page that read its Apps without some columns
 *   (`orgConnectionPage`). Such an App answers only that connection's `app` field, whose
 *   selection the page read it for; it is never primed into `app`, which answers whole Apps.
 */
export function createAppsLoaders(db: Kysely<Database>) {
  return {
    app: tenantRowLoader((tenantId, ids) => appsByKeys(db, tenantId, ids), toApp),
    appAuthConfigs: tenantGroupLoader(
      (tenantId, ids) => authConfigsByAppKeys(db, tenantId, ids),
      (row) => row.app_id,
      (rows) => rows.map(toAppAuthConfig),
    ),
    appAuthConfig: tenantRowLoader(
      (tenantId, ids) => authConfigsByKeys(db, tenantId, ids),
      toAppAuthConfig,
    ),
    orgConnectionBoards: tenantGroupLoader(
      (tenantId, ids) => boardsByConnectionKeys(db, tenantId, ids),
      (row) => row.connection_id,
      (rows) => rows.map(toBoard),
    ),
    // Bound: one request's pages' items (and weakly held by them).
    pageApps: new WeakMap<OrgConnection, App>(),
  };
}
