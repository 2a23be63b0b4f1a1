import type { Kysely } from 'kysely';
import type { Database } from '../../../db/database.js';

/** The Connectors service's per-request DataLoaders (merged into the context's loaders). */
export function createConnectorsLoaders(db: Kysely<Database>) {
  void db;
  return {};
}
