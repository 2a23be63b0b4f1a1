import DataLoader from 'dataloader';
import type { Kysely } from 'kysely';
import type { Database } from '../../../db/database.js';
import {
  connectionClientsByConnections,
  type NexusConnectionClientView,
} from '../../../db/queries/nexus.js';

/** A Nexus connection's identity within its tenant. */
export interface NexusConnectionKey {
  tenantId: string;
  id: string;
}

const cacheKey = (k: NexusConnectionKey) => `${k.tenantId}\u0000${k.id}`;

/**
 * The Nexus service's per-request DataLoaders (merged into the context's loaders).
 * `nexusConnectionClients` answers each connection's client list (each entry with its client's
 * name, in stored `position` order) for a whole batch of connections with one SQL statement.
 */
export function createNexusLoaders(db: Kysely<Database>) {
  return {
    nexusConnectionClients: new DataLoader<NexusConnectionKey, NexusConnectionClientView[], string>(
      async (keys) => {
        const rows = await connectionClientsByConnections(db, keys);
        const byKey = new Map<string, NexusConnectionClientView[]>();
        for (const row of rows) {
          const key = cacheKey({ tenantId: row.tenant_id, id: row.connection_id });
          const list = byKey.get(key);
          if (list) list.push(row);
          else byKey.set(key, [row]);
        }
        return keys.map((k) => byKey.get(cacheKey(k)) ?? []);
      },
      { cacheKeyFn: cacheKey },
    ),
  };
}
