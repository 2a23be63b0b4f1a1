import DataLoader from 'dataloader';
import type { Kysely } from 'kysely';
import type { Database } from '../../../db/database.js';
import { activeJobsByConnectionKeys } from '../../../db/queries/databases.js';
import type { TenantKey } from '../../loaders.js';
import { toDatabaseJob, type DatabaseJob } from './model.js';

const keyOf = (tenantId: string, id: string) => `${tenantId}\u0000${id}`;

/**
 * The Databases service's per-request DataLoaders (merged into the context's loaders).
 * `databaseActiveJobs`: a connection `(tenant, id)` → its QUEUED and RUNNING jobs in id order,
 * one SQL statement per batch however many connections a page holds.
 */
export function createDatabasesLoaders(db: Kysely<Database>) {
  return {
    databaseActiveJobs: new DataLoader<TenantKey, DatabaseJob[], string>(
      async (keys) => {
        const rows = await activeJobsByConnectionKeys(db, keys);
        const byConnection = new Map<string, DatabaseJob[]>();
        for (const row of rows) {
          const key = keyOf(row.tenant_id, row.connection_id);
          const jobs = byConnection.get(key) ?? [];
          jobs.push(toDatabaseJob(row));
          byConnection.set(key, jobs);
        }
        return keys.map((k) => byConnection.get(keyOf(k.tenantId, k.id)) ?? []);
      },
      { cacheKeyFn: (k) => keyOf(k.tenantId, k.id) },
    ),
  };
}
