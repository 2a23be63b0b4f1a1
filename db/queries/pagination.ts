import type { SelectQueryBuilder } from 'kysely';

/** A keyset position: the `(created_at, id)` of the last row of the previous page. */
export interface PageRequest {
  /** Rows to return; the query fetches one more to learn whether a next page exists. */
  first: number;
  after: { createdAt: Date; id: string } | null;
}

/**
 * Orders by `(created_at, id)` (ascending, or with `order: 'desc'` descending: then "after"
 * the cursor means older) and continues after the cursor, fetching `first + 1` rows.
 * Every list table has an index on `(tenant_id, created_at, id)` for exactly this:
 *
 * ```sql
 * … where (created_at, id) > ($after_created_at, $after_id)
 *   order by created_at, id limit $first + 1
 * ```
 */
export function keysetPage<DB, TB extends keyof DB, O>(
  query: SelectQueryBuilder<DB, TB, O>,
  page: PageRequest,
  order: 'asc' | 'desc' = 'asc',
): SelectQueryBuilder<DB, TB, O> {
  return keysetAfter(query, page.after ?? {}, page.first + 1, order);
}

/** A page's position as a statement's argument: both fields, or none for the first page. */
export type KeysetPosition = { createdAt: Date; id: string } | { createdAt?: never; id?: never };

/**
 * {@link keysetPage} with the position and the row count (`first + 1`) as values of their
 * own, so that a prepared statement (db/prepared.ts) takes them as parameters: the position
 * is a record whose fields are there or not (two shapes), the count a value.
 */
export function keysetAfter<DB, TB extends keyof DB, O>(
  query: SelectQueryBuilder<DB, TB, O>,
  after: KeysetPosition,
  limit: number,
  order: 'asc' | 'desc' = 'asc',
): SelectQueryBuilder<DB, TB, O> {
  let q = query as unknown as SelectQueryBuilder<any, any, O>;
  if (after.createdAt !== undefined) {
    const { createdAt, id } = after;
    const past = order === 'asc' ? '>' : '<';
    q = q.where((eb) => eb(eb.refTuple('created_at', 'id'), past, eb.tuple(createdAt, id)));
  }
  return q
    .orderBy('created_at', order)
    .orderBy('id', order)
    .limit(limit) as unknown as SelectQueryBuilder<DB, TB, O>;
}
