import { sql, type Kysely, type RawBuilder, type SelectQueryBuilder } from 'kysely';
import type { Database } from '../database.js';
import { prepared, StatementShape } from '../prepared.js';
import { keysetAfter, type KeysetPosition, type PageRequest } from './pagination.js';

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

/** A page's rows and its parts' rows, each part's in the order its query gives. */
export interface PageWithParts<Row> {
  rows: Row[];
  parts: Record<string, Record<string, unknown>[]>;
}

/**
 * A part whose rows' order is part of the answer: PostgreSQL promises no order for
 * `json_agg(x) from (<ordered query>) x`, so the order is stated in the aggregate,
 * `json_agg(x order by x.a, x.b)`, and the query itself needs none.
 */
export interface OrderedPart {
  query: SelectQueryBuilder<any, any, any>;
  /** Columns of `query`'s rows, in order of precedence, each ascending. */
  orderBy: readonly string[];
  /**
   * The columns handed over, when not all of `query`'s: an ordering column need not travel
   * (`json_agg(json_build_object('a', x.a) order by x.created_at)`).
   */
  columns?: readonly string[];
}

/** What a list's page statement is made of, for one choice of parts. */
export interface PageStatement<Row> {
  /** The list's rows in one tenant (the keyset position and order are added). */
  query: SelectQueryBuilder<any, any, Row>;
  /**
   * Subqueries that several parts read, as common table expressions after `page`: each is
   * computed once per statement (PostgreSQL materializes a CTE named more than once), where
   * the same subquery written into each part would run once per mention.
   */
  shared?: Record<string, SelectQueryBuilder<any, any, any>>;
  /** Each part asked for: its batch query, keyed by the page (`pageKeys`). */
  parts: Record<string, SelectQueryBuilder<any, any, any> | OrderedPart>;
}

/**
 * The timestamp columns of a list's rows and of each of its parts, to turn back into `Date`s
 * (JSON carries them as text).
 */
export interface PageTimestamps {
  rows: readonly string[];
  parts: Readonly<Record<string, readonly string[]>>;
}

/**
 * A reader of one page of a list with the nested parts its reader asked for, in **one
 * statement**: the keyset page becomes a CTE (`page`), and each part is its batch query keyed
 * by the page (`… where app_id = any(array(select app_id from page))`), aggregated to JSON by
 * PostgreSQL:
 *
 * ```sql
 * with page as (select … order by created_at, id limit $first + 1)
 * select (select json_agg(p order by …) from page p) as rows,
 *        (select coalesce(json_agg(x), '[]') from (<part query>) x) as apps,
 *        (select coalesce(json_agg(x order by x.position, x.id), '[]') from (<part query>) x) as slots, …
 * ```
 *
 * `describe` builds the list's query and its parts for one `choice` (the parts asked for,
 * and anything else that changes the text), from `args` used only as values. The statement
 * is built and compiled once per `choice.key` and shape of the other arguments (a cursor or
 * none; db/prepared.ts), then only run with each read's values: building it with Kysely was
 * 5–10% of a page's CPU. Bound: the subsets of a list's parts (at most 2^6, for connector
 * connections; org connections' 2^4 with 8 column choices of their Apps, at most 2^7) × 2
 * (cursor) × 2 (connector connections: one connector's or all).
 * A page that asks for no nested part is read by the list's own query, as plain rows.
 */
export function pageReader<Choice, Args extends unknown[], Row extends { created_at: Date }>(
  timestamps: PageTimestamps,
  describe: (db: Kysely<Database>, choice: Choice, ...args: Args) => PageStatement<Row>,
  order: 'asc' | 'desc' = 'asc',
): (
  db: Kysely<Database>,
  choice: StatementShape<Choice>,
  page: PageRequest,
  ...args: Args
) => Promise<PageWithParts<Row>> {
  const direction = sql.raw(order);
  const statement = prepared(
    (db, choice: StatementShape<Choice>, after: KeysetPosition, limit: number, ...args: Args) => {
      const { query, parts, shared = {} } = describe(db, choice.value, ...args);
      const columns = [
        sql`(select coalesce(json_agg(p order by p.created_at ${direction}, p.id ${direction}), '[]') from page p)`.as(
          'rows',
        ),
        ...Object.keys(parts).map((name) => partColumn(parts[name]).as(name)),
      ];
      let creator = db.with('page', () => keysetAfter(query, after, limit, order));
      for (const name in shared) creator = creator.with(name, () => shared[name]) as never;
      return creator.selectNoFrom(columns as never) as unknown as SelectQueryBuilder<
        any,
        any,
        Record<string, Record<string, unknown>[]>
      >;
    },
    { named: true },
  );
  return async (db, choice, page, ...args) => {
    const [answer] = await statement(db, choice, page.after ?? {}, page.first + 1, ...args);
    const out: PageWithParts<Row> = {
      rows: reviveAll(answer.rows, timestamps.rows) as unknown as Row[],
      parts: {},
    };
    for (const name in answer)
      if (name !== 'rows') out.parts[name] = reviveAll(answer[name], timestamps.parts[name] ?? []);
    return out;
  };
}

/** A part's rows as one JSON array, in the part's stated order if it has one. */
function partColumn(part: PageStatement<unknown>['parts'][string]) {
  if (!isOrdered(part)) return sql`(select coalesce(json_agg(x), '[]') from (${part}) x)`;
  const { query, orderBy, columns } = part;
  const row = columns
    ? sql`json_build_object(${sql.join(columns.map((c) => sql`${sql.lit(c)}, ${sql.ref(`x.${c}`)}`))})`
    : sql`x`;
  const order = sql.join(orderBy.map((c) => sql.ref(`x.${c}`)));
  return sql`(select coalesce(json_agg(${row} order by ${order}), '[]') from (${query}) x)`;
}

function isOrdered(part: PageStatement<unknown>['parts'][string]): part is OrderedPart {
  return Array.isArray((part as OrderedPart).orderBy);
}

/**
 * The choice of a page's parts as a statement shape: the names of the parts asked for are its
 * key.
 */
export function partsShape<Parts extends { [K in keyof Parts]?: boolean }>(
  wanted: Parts,
): StatementShape<Parts> {
  let key = '';
  for (const name in wanted) if (wanted[name as keyof Parts]) key += `${name},`;
  return new StatementShape(key, wanted);
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
