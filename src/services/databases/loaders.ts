import type { Kysely } from 'kysely';
import type { Database } from '../../../db/database.js';
import { activeJobsByConnectionKeys } from '../../../db/queries/databases.js';
import { tenantGroupLoader } from '../../tenant-loaders.js';
import { toDatabaseJob } from './model.js';

/**
 * The Databases service's per-request DataLoaders (merged into the context's loaders).
 * `databaseActiveJobs`: a connection `(tenant, id)` → its QUEUED and RUNNING jobs in id order,
 * one SQL statement per batch however many connections a page holds.
 */
export function createDatabasesLoaders(db: Kysely<Database>) {
  return {
    databaseActiveJobs: tenantGroupLoader(
      (tenantId, ids) => activeJobsByConnectionKeys(db, tenantId, ids),
      (row) => row.connection_id,
      (rows) => rows.map(toDatabaseJob),
    ),
  };
}
