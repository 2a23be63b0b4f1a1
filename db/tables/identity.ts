import type { ColumnType, Generated, Insertable, Selectable } from 'kysely';

/** Timestamps: read as `Date`, written as `Date` or a string, defaulted by the database. */
export type CreatedAt = ColumnType<Date, Date | string | undefined, never>;
export type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
export type NullableTimestamp = ColumnType<
  Date | null,
  Date | string | null | undefined,
  Date | string | null
>;

/**
 * `true` when `List` names every column of `Table`, `false` otherwise: a constant typed with it
 * and set to `true` stops the compiler where a column list falls behind its table.
 */
export type ListsEveryColumn<Table, List extends readonly (keyof Table)[]> = [
  Exclude<keyof Table, List[number]>,
] extends [never]
  ? true
  : false;

export interface TenantsTable {
  id: string;
  name: string;
  created_at: CreatedAt;
}

export interface TenantEntitlementsTable {
  tenant_id: string;
  entitlement: string;
}

export interface PrincipalsTable {
  id: string;
  name: string;
  created_at: CreatedAt;
}

/** The rights of one API key in one tenant: a key's rights are its own, never its principal's. */
export interface ApiKeyMembershipsTable {
  api_key_id: string;
  tenant_id: string;
  permissions: ColumnType<string[], string[] | undefined, string[]>;
}

/** A known value sealed with one secrets key (by id): proves at start that the key is the same. */
export interface SecretKeyChecksTable {
  key_id: string;
  sealed: string;
  created_at: CreatedAt;
}

/** One row that `/readyz` rewrites to prove the database takes writes. */
export interface ReadinessProbeTable {
  id: number;
  probed_at: Timestamp;
}

export interface ApiKeysTable {
  id: string;
  principal_id: string;
  name: string;
  key_hash: string;
  created_at: CreatedAt;
  expires_at: NullableTimestamp;
  revoked_at: NullableTimestamp;
}

export interface AuditEventsTable {
  id: string;
  tenant_id: string;
  actor_id: string;
  actor_kind: string;
  resource_type: string;
  resource_id: string;
  operation: string;
  changed_fields: string[];
  from_version: number;
  to_version: number;
  request_id: string;
  /** `[{ field, from, to, secret }]`, written as JSON text. */
  changes: ColumnType<unknown, string | undefined, never>;
  created_at: CreatedAt;
  /** Written by the database (see the change-feed migration); read as text (`seq::text`). */
  seq: Generated<string>;
  /** The writing transaction's id (`xid8`), set by the database; read as text. */
  xid: Generated<string>;
}

export type TenantRow = Selectable<TenantsTable>;
export type ApiKeyRow = Selectable<ApiKeysTable>;
export type NewApiKeyRow = Insertable<ApiKeysTable>;
export type ApiKeyMembershipRow = Selectable<ApiKeyMembershipsTable>;
export type AuditEventRow = Selectable<AuditEventsTable>;
export type NewAuditEventRow = Insertable<AuditEventsTable>;

/** Columns every versioned connection table shares. */
export interface VersionedColumns {
  id: string;
  tenant_id: string;
  version: Generated<number>;
  created_at: CreatedAt;
  updated_at: Timestamp;
}
