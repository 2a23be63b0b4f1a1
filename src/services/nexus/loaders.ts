import type { Kysely } from 'kysely';
import type { Database } from '../../../db/database.js';

/** The Nexus service's per-request DataLoaders (merged into the context's loaders). */
export function createNexusLoaders(db: Kysely<Database>) {
  void db;
  return {};
}
