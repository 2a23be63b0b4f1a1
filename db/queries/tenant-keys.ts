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
    // Keys from a subquery (a page's rows, see page-parts.ts) instead of an array of ids,
    // gathered into an array first: `in (subquery)` lets the planner join the keys against
    // every row of the tenant (a hash semi join read all of a tenant's board links for 101
    // keys), while `= any(array(…))` is the batch's own index seek per key.
    return sql<SqlBool>`${sql.ref(tenantColumn)} = ${tenantId} and ${sql.ref(idColumn)} = any(array(${ids}))`;
  return sql<SqlBool>`${sql.ref(tenantColumn)} = ${tenantId} and ${sql.ref(idColumn)} = any(${ids}::${sql.raw(idType)}[])`;
}
