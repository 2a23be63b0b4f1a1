import DataLoader from 'dataloader';
import type { TenantKey } from '../db/queries/tenant-keys.js';

export type { TenantKey };

/** One batch statement: the rows of `ids` within `tenantId`. */
type Batch<Row> = (tenantId: string, ids: readonly string[]) => Promise<Row[]>;
/** The batch's rows turned into one answer per id, in the order of `ids`. */
type Answer<Row, T> = (tenantId: string, ids: readonly string[], rows: Row[]) => T[];

/**
 * A per-request loader keyed by `(tenant, id)`: one DataLoader per tenant, keyed by the id
 * alone. A row can therefore only ever answer a key of its own tenant, and keys stay plain
 * ids (no composite strings to build and hash for every load and every row). A page is read
 * in one tenant, so it still loads each kind of nested object with one batch statement.
 */
export class TenantLoader<T, Row = unknown> {
  // Bound: lives for one request (the loaders are per request), one entry per tenant it reads.
  private readonly byTenant = new Map<string, DataLoader<string, T>>();
  /**
   * The values known by now (loaded or primed), per tenant: what `get` answers at once. Bound:
   * like the loaders, one request's reads.
   */
  private readonly known = new Map<string, Map<string, T>>();
  /**
   * Counts `clear` and `clearAll` calls, so that a batch can tell whether one came while its
   * statement ran (one comparison per batch when none did). Bound: one number per key cleared
   * in the request, like the loaders.
   */
  private clears = 0;
  private clearedAll = 0;
  private readonly clearedAt = new Map<string, Map<string, number>>();

  constructor(
    private readonly batch: Batch<Row>,
    private readonly answer: Answer<Row, T>,
  ) {}

  load(key: TenantKey): Promise<T> {
    const known = this.known.get(key.tenantId);
    if (known !== undefined && known.has(key.id)) return Promise.resolve(known.get(key.id) as T);
    return this.loaderOf(key.tenantId).load(key.id);
  }

  /**
   * The value itself when it is already known (a page primed it, or an earlier batch loaded
   * it), else `load`'s promise. A resolver that returns this lets the executor go on
   * synchronously: a page of 100 items with three nested fields otherwise waits on 300
   * promises.
   */
  get(key: TenantKey): T | Promise<T> {
    return this.getIn(key.tenantId, key.id);
  }

  /**
   * `get` without a key object: a page's nested resolvers call this ~1,000 times, and each
   * `{ tenantId, id }` was garbage at once.
   */
  getIn(tenantId: string, id: string): T | Promise<T> {
    const known = this.known.get(tenantId);
    if (known !== undefined) {
      const value = known.get(id);
      if (value !== undefined || known.has(id)) return value as T;
    }
    return this.loaderOf(tenantId).load(id);
  }

  /** Forgets one key (after a write changed what it loads). */
  clear(key: TenantKey): this {
    this.byTenant.get(key.tenantId)?.clear(key.id);
    this.known.get(key.tenantId)?.delete(key.id);
    let cleared = this.clearedAt.get(key.tenantId);
    if (!cleared) this.clearedAt.set(key.tenantId, (cleared = new Map()));
    cleared.set(key.id, ++this.clears);
    return this;
  }

  /**
   * Caches a value for a key (what a write just stored, or what a page read with its rows): from
   * now on `get` and `load` answer it, also over a value loaded before. Known values are kept
   * here only, not in the DataLoader too (whose `prime` makes a promise per key, and keeps
   * a value it already has).
   */
  prime(key: TenantKey, value: T): this {
    this.knownOf(key.tenantId).set(key.id, value);
    return this;
  }

  /** `prime` without a key object (a page primes one value per key it read). */
  primeIn(tenantId: string, id: string, value: T): this {
    this.knownOf(tenantId).set(id, value);
    return this;
  }

  /**
   * Takes the rows its batch statement would return for `ids` as if the batch had run: a page
   * that read them in its own statement (db/queries/page-parts.ts) hands them over here, and
   * the nested fields then resolve from `get` without a statement or a promise of their own.
   */
  primeRows(tenantId: string, ids: Iterable<string>, rows: Row[]): this {
    const keys = [...new Set(ids)];
    const values = this.answer(tenantId, keys, rows);
    const known = this.knownOf(tenantId);
    for (let i = 0; i < keys.length; i++) known.set(keys[i], values[i]);
    return this;
  }

  clearAll(): this {
    this.byTenant.clear();
    this.known.clear();
    this.clearedAll = ++this.clears;
    return this;
  }

  private loaderOf(tenantId: string): DataLoader<string, T> {
    let loader = this.byTenant.get(tenantId);
    if (!loader) {
      const known = this.knownOf(tenantId);
      loader = new DataLoader(async (ids) => {
        const began = this.clears;
        const values = this.answer(tenantId, ids, await this.batch(tenantId, ids));
        // A key primed while the statement ran (a write, a page's rows) keeps its primed value,
        // which is newer than what the statement read; the load answers it too. A key cleared
        // meanwhile (a write changed it) is not kept: what the statement read is older than
        // the write, and the next load reads it again.
        const cleared = this.clears === began ? undefined : this.clearedAt.get(tenantId);
        const all = this.clearedAll > began;
        for (let i = 0; i < ids.length; i++) {
          const id = ids[i];
          if (known.has(id)) values[i] = known.get(id) as T;
          else if (!all && !((cleared?.get(id) ?? 0) > began)) known.set(id, values[i]);
        }
        return values;
      });
      this.byTenant.set(tenantId, loader);
    }
    return loader;
  }

  private knownOf(tenantId: string): Map<string, T> {
    let known = this.known.get(tenantId);
    if (!known) this.known.set(tenantId, (known = new Map()));
    return known;
  }
}

/**
 * `map` applied to what `TenantLoader.get` gave: at once to a known value, after the load to a
 * promise, so a resolver stays synchronous whenever its value is known. `arg` is handed to
 * `map` as its second argument, so that `map` can be a function of the module rather than a
 * closure made for every field of every item.
 */
export function mapKnown<T, R, A = undefined>(
  value: T | Promise<T>,
  map: (value: T, arg: A) => R,
  arg?: A,
): R | Promise<R> {
  return value instanceof Promise
    ? value.then((known) => map(known, arg as A))
    : map(value, arg as A);
}

/**
 * A loader of one object per `(tenant, id)` key, from a batch statement that returns the rows
 * found in any order: rows mapped by `map`, answers in key order, `null` for a key with no row
 * in that tenant.
 */
export function tenantRowLoader<Row extends { tenant_id: string; id: string }, T = Row>(
  batch: Batch<Row>,
  map: (row: Row) => T = (row) => row as unknown as T,
): TenantLoader<T | null, Row> {
  return new TenantLoader(batch, (tenantId, ids, rows) => {
    const byId = new Map<string, T>();
    for (const row of rows) if (row.tenant_id === tenantId) byId.set(row.id, map(row));
    return ids.map((id) => byId.get(id) ?? null);
  });
}

/**
 * A loader of the rows that belong to each `(tenant, owner id)` key (a connection's clients,
 * jobs or slots, a credential's usages): one batch statement, rows grouped by `ownerOf` in the
 * order the statement returned them, then shaped by `shape`; a key with no rows gets
 * `shape([])`.
 */
export function tenantGroupLoader<Row extends { tenant_id: string }, T>(
  batch: Batch<Row>,
  ownerOf: (row: Row) => string,
  shape: (rows: Row[]) => T,
): TenantLoader<T, Row> {
  return new TenantLoader(batch, (tenantId, ids, rows) => {
    const groups = new Map<string, Row[]>();
    for (const row of rows) {
      if (row.tenant_id !== tenantId) continue;
      const owner = ownerOf(row);
      const group = groups.get(owner);
      if (group) group.push(row);
      else groups.set(owner, [row]);
    }
    return ids.map((id) => shape(groups.get(id) ?? []));
  });
}
