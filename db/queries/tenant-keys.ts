import { sql, type RawBuilder, type SqlBool } from 'kysely';

/** A row's identity within its tenant: every batch key names the tenant too. */
export interface TenantKey {
  tenantId: string;
  id: string;
}

/**
 * The filter of every batch (DataLoader) query: `(tenantColumn, idColumn)` is one of `keys`.
 *
 * ```sql
 * (tenant_id, id) in (select * from unnest($1::text[], $2::uuid[]))
 * ```
 *
 * Two array parameters whatever the batch size, rather than a `((…),(…))` tuple list: the
 * statement text stays the same for every batch (plans are reused), and PGlite returns no
 * rows — then hangs — for a tuple list of about 280 keys or more (reproduced with 0.5.16).
 */
export function inTenantKeys(
  tenantColumn: string,
  idColumn: string,
  keys: readonly TenantKey[],
  idType: 'uuid' | 'text' = 'uuid',
): RawBuilder<SqlBool> {
  const tenantIds = keys.map((k) => k.tenantId);
  const ids = keys.map((k) => k.id);
  return sql<SqlBool>`(${sql.ref(tenantColumn)}, ${sql.ref(idColumn)}) in (select * from unnest(${tenantIds}::text[], ${ids}::${sql.raw(idType)}[]))`;
}
