import type { NexusConnectionClientView } from '../../../db/queries/nexus.js';
import type { NexusConnectionRow } from '../../../db/tables/nexus.js';

export const NEXUS_CONNECTION = 'NexusConnection';
export const NEXUS_CLIENT = 'Client';

/** A tenant connection with a list of clients (the list is resolved through a loader). */
export interface NexusConnection {
  id: string;
  tenantId: string;
  name: string;
  version: number;
  createdAt: Date;
  updatedAt: Date;
  /** The client list when it is not the stored one: a dry run's would-be list. */
  clients?: ConnectionClient[];
}

/** A client of a tenant (an application that uses the tenant's connections). */
export interface NexusClient {
  id: string;
  name: string;
}

/** One entry of a connection's client list. */
export interface ConnectionClient {
  client: NexusClient;
  enabled: boolean;
}

/** The outcome of `setConnectionClientEnabled`: the connection, the client, its new state. */
export interface ConnectionClientEnabled {
  connection: NexusConnection;
  client: NexusClient;
  enabled: boolean;
}

/** Maps a stored connection row to the domain shape the GraphQL layer serves. */
export function toNexusConnection(row: NexusConnectionRow): NexusConnection {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    name: row.name,
    version: row.version,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** Maps a stored client-list entry (joined with its client's name) to the domain shape. */
export function toConnectionClient(row: NexusConnectionClientView): ConnectionClient {
  return { client: { id: row.client_id, name: row.client_name }, enabled: row.enabled };
}
