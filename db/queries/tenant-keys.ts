import { sql, type RawBuilder, type SqlBool } from 'kysely';

/** A row's identity within its tenant: every loader key names the tenant too. */
export interface TenantKey {
  tenantId: string;
  id: string;
}

/**
 * The filter of every batch (DataLoader) query, which loads within one tenant:
 *
 * ```sql
 * tenant_id = $1 and id = any($2::uuid[])
 * ```
 *
 * One array parameter whatever the batch size, rather than an `in (…)` list: the statement
 * text stays the same for every batch (plans are reused), and PGlite returns no rows — then
 * hangs — for a list of about 280 tuples or more (reproduced with 0.5.16).
 */
export function inTenant(
  tenantColumn: string,
  idColumn: string,
  tenantId: string,
  ids: readonly string[] | RawBuilder<unknown>,
  idType: 'uuid' | 'text' = 'uuid',
): RawBuilder<SqlBool> {
  if (!Array.isArray(ids))
    // Keys from a subquery (a page's rows, see page-parts.ts) instead of an array of ids.
    return sql<SqlBool>`${sql.ref(tenantColumn)} = ${tenantId} and ${sql.ref(idColumn)} in (${ids})`;
  return sql<SqlBool>`${sql.ref(tenantColumn)} = ${tenantId} and ${sql.ref(idColumn)} = any(${ids}::${sql.raw(idType)}[])`;
}
