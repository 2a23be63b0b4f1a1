import type { Kysely } from 'kysely';
import type { Database } from '../../../db/database.js';

/** The Apps service's per-request DataLoaders (merged into the context's loaders). */
export function createAppsLoaders(db: Kysely<Database>) {
  void db;
  return {};
}
