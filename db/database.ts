import type {
  ApiKeysTable,
  AuditEventsTable,
  ApiKeyMembershipsTable,
  PrincipalsTable,
  ReadinessProbeTable,
  SecretKeyChecksTable,
  TenantEntitlementsTable,
  TenantsTable,
} from './tables/identity.js';
import type { IdempotencyKeysTable } from './tables/idempotency.js';
import type { OesConnectionsTable, OesPartnersTable } from './tables/oes.js';
import type {
  NexusClientsTable,
  NexusConnectionClientsTable,
  NexusConnectionsTable,
} from './tables/nexus.js';
import type {
  AppAuthConfigsTable,
  AppsTable,
  BoardConnectionsTable,
  BoardsTable,
  OrgConnectionsTable,
} from './tables/apps.js';
import type { DatabaseConnectionsTable, DatabaseJobsTable } from './tables/databases.js';
import type {
  AuthSchemeConfigsTable,
  ConnectionCredentialsTable,
  ConnectionVariablesTable,
  ConnectorConnectionsTable,
  ConnectorsTable,
  CredentialsTable,
} from './tables/connectors.js';

/** Table name → table interface: the one type every query is checked against. */
export interface Database {
  tenants: TenantsTable;
  tenant_entitlements: TenantEntitlementsTable;
  principals: PrincipalsTable;
  api_keys: ApiKeysTable;
  api_key_memberships: ApiKeyMembershipsTable;
  secret_key_checks: SecretKeyChecksTable;
  readiness_probe: ReadinessProbeTable;
  audit_events: AuditEventsTable;
  idempotency_keys: IdempotencyKeysTable;
  oes_partners: OesPartnersTable;
  oes_connections: OesConnectionsTable;
  nexus_clients: NexusClientsTable;
  nexus_connections: NexusConnectionsTable;
  nexus_connection_clients: NexusConnectionClientsTable;
  apps: AppsTable;
  app_auth_configs: AppAuthConfigsTable;
  org_connections: OrgConnectionsTable;
  boards: BoardsTable;
  board_connections: BoardConnectionsTable;
  database_connections: DatabaseConnectionsTable;
  database_jobs: DatabaseJobsTable;
  connectors: ConnectorsTable;
  auth_scheme_configs: AuthSchemeConfigsTable;
  credentials: CredentialsTable;
  connector_connections: ConnectorConnectionsTable;
  connection_credentials: ConnectionCredentialsTable;
  connection_variables: ConnectionVariablesTable;
}
