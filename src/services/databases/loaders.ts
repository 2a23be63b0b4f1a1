import type { Kysely } from 'kysely';
import type { Database } from '../../../db/database.js';

/** The Databases service's per-request DataLoaders (merged into the context's loaders). */
export function createDatabasesLoaders(db: Kysely<Database>) {
  void db;
  return {};
}
