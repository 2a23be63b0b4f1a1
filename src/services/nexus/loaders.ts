import type { Kysely } from 'kysely';
import type { Database } from '../../../db/database.js';
import { connectionClientsByConnections } from '../../../db/queries/nexus.js';
import { tenantGroupLoader } from '../../tenant-loaders.js';

/**
 * The Nexus service's per-request DataLoaders (merged into the context's loaders).
 * `nexusConnectionClients` answers each connection's client list (each entry with its client's
 * name, in stored `position` order) for a whole batch of connections with one SQL statement.
 */
export function createNexusLoaders(db: Kysely<Database>) {
  return {
    nexusConnectionClients: tenantGroupLoader(
      (tenantId, ids) => connectionClientsByConnections(db, tenantId, ids),
      (row) => row.connection_id,
      (rows) => rows,
    ),
  };
}
