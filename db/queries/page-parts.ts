import { sql, type Kysely, type RawBuilder, type SelectQueryBuilder } from 'kysely';
import type { Database } from '../database.js';
import { keysetPage, type PageRequest } from './pagination.js';

/**
 * The keys a part of a page is read by, as SQL: a column of the page's rows
 * (`select app_id from page`), or of another part's rows. A batch query takes these where
 * a loader would pass an array of ids.
 */
export type KeySource = RawBuilder<unknown>;

/** A batch's keys: the ids a loader collected, or the keys of a page read with its parts. */
export type Keys = readonly string[] | KeySource;

/** `select <column> from page`: keys taken from the page's own rows. */
export function pageKeys(column: string): KeySource {
  return sql`select ${sql.ref(`page.${column}`)} from page`;
}

/**
 * One nested part of a page: the rows the part's batch (DataLoader) query would return for
 * the page, and the timestamp columns to turn back into `Date`s (JSON carries them as text).
 */
export interface PagePart {
  query: SelectQueryBuilder<any, any, any>;
  timestamps: readonly string[];
}

/** A page's rows and its parts' rows, each part's in the order its query gives. */
export interface PageWithParts<Row> {
  rows: Row[];
  parts: Record<string, Record<string, unknown>[]>;
}

/**
 * Reads one page of a list and the nested parts its reader asked for in **one statement**:
 * the keyset page becomes a CTE (`page`), and each part is its batch query keyed by the
 * page (`… where app_id in (select app_id from page)`), aggregated to JSON by PostgreSQL:
 *
 * ```sql
 * with page as (select … order by created_at, id limit $first + 1)
 * select (select json_agg(p order by …) from page p) as items,
 *        (select coalesce(json_agg(x), '[]') from (<part query>) x) as apps, …
 * ```
 *
 * A page that asks for no nested part is read as before, as plain rows. A page of any size
 * is thus one statement plus whatever its resolvers still load.
 */
export async function pageWithParts<Row extends { created_at: Date }>(
  db: Kysely<Database>,
  query: SelectQueryBuilder<any, any, Row>,
  page: PageRequest,
  order: 'asc' | 'desc',
  rowTimestamps: readonly string[],
  parts: Record<string, PagePart>,
): Promise<PageWithParts<Row>> {
  const names = Object.keys(parts);
  const direction = sql.raw(order);
  const columns = [
    sql`(select coalesce(json_agg(p order by p.created_at ${direction}, p.id ${direction}), '[]') from page p)`.as(
      'rows',
    ),
    ...names.map((name) =>
      sql`(select coalesce(json_agg(x), '[]') from (${parts[name].query}) x)`.as(name),
    ),
  ];
  const result = await db
    .with('page', () => keysetPage(query, page, order))
    .selectNoFrom(columns as never)
    .executeTakeFirstOrThrow();
  const answer = result as unknown as Record<string, Record<string, unknown>[]>;
  const out: PageWithParts<Row> = {
    rows: reviveAll(answer.rows, rowTimestamps) as unknown as Row[],
    parts: {},
  };
  for (const name of names) out.parts[name] = reviveAll(answer[name], parts[name].timestamps);
  return out;
}

/** Timestamps arrive as JSON text (`2026-11-23T18:00:00.123456+00:00`): back to `Date`s. */
function reviveAll(rows: Record<string, unknown>[], columns: readonly string[]) {
  if (columns.length === 0) return rows;
  for (const row of rows)
    for (const column of columns) {
      const value = row[column];
      if (typeof value === 'string') row[column] = new Date(value);
    }
  return rows;
}
