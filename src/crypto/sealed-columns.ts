import type { SecretContext } from './secret-box.js';

/**
 * Every column that holds a sealed secret, with the context it is sealed under. Whatever
 * seals or opens one of these (the services, the demo builders, the re-wrap command) takes its
 * context from `sealingContext`, so the `(resourceType, field)` binding is written only here; a
 * new secret column is added here or it can neither be sealed nor rotated.
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

/** `table.column` of a sealed column: the name `sealingContext` takes. */
export type SealedColumnName = `${SealedColumn['table']}.${SealedColumn['column']}`;

/**
 * The context a sealed column's value is bound to for one row: its tenant and id, with the
 * column's resource type and field from `SEALED_COLUMNS`. A value sealed under one context
 * opens under no other (another row, column or tenant).
 */
export function sealingContext(
  column: SealedColumnName,
  row: { tenantId: string; id: string },
): SecretContext {
  const sealed = SEALED_COLUMNS.find((c) => `${c.table}.${c.column}` === column)!;
  return {
    tenantId: row.tenantId,
    resourceType: sealed.resourceType,
    resourceId: row.id,
    field: sealed.field,
  };
}
