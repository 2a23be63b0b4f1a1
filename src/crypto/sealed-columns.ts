/**
 * Every column that holds a sealed secret, with the context it is sealed under. The services
 * and the demo builders seal with exactly these `(resourceType, field)` pairs; the re-wrap
 * command walks this list, so a new secret column is added here or it is never rotated.
 */
export const SEALED_COLUMNS = [
  {
    table: 'org_connections',
    column: 'api_key_enc',
    resourceType: 'OrgConnection',
    field: 'apiKey',
  },
  {
    table: 'app_auth_configs',
    column: 'secret_data_enc',
    resourceType: 'AppAuthConfig',
    field: 'data',
  },
  {
    table: 'database_connections',
    column: 'password_enc',
    resourceType: 'DatabaseConnection',
    field: 'password',
  },
  {
    table: 'database_connections',
    column: 'ssl_client_key_enc',
    resourceType: 'DatabaseConnection',
    field: 'sslClientKey',
  },
  { table: 'credentials', column: 'data_enc', resourceType: 'Credential', field: 'data' },
] as const;

export type SealedColumn = (typeof SEALED_COLUMNS)[number];
