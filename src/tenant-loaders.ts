import DataLoader from 'dataloader';
import type { TenantKey } from '../db/queries/tenant-keys.js';

export type { TenantKey };

/** One batch statement: the rows (or answers) of `ids` within `tenantId`. */
type Batch<Row> = (tenantId: string, ids: readonly string[]) => Promise<Row[]>;

/**
 * A per-request loader keyed by `(tenant, id)`: one DataLoader per tenant, keyed by the id
 * alone. A row can therefore only ever answer a key of its own tenant, and keys stay plain
 * ids (no composite strings to build and hash for every load and every row). A page is read
 * in one tenant, so it still loads each kind of nested object with one batch statement.
 */
export class TenantLoader<T> {
  // Bound: lives for one request (the loaders are per request), one entry per tenant it reads.
  private readonly byTenant = new Map<string, DataLoader<string, T>>();

  constructor(private readonly batch: Batch<T>) {}

  load(key: TenantKey): Promise<T> {
    return this.loaderOf(key.tenantId).load(key.id);
  }

  /** Forgets one key (after a write changed what it loads). */
  clear(key: TenantKey): this {
    this.byTenant.get(key.tenantId)?.clear(key.id);
    return this;
  }

  /** Caches a value for a key (what a write just stored). */
  prime(key: TenantKey, value: T): this {
    this.loaderOf(key.tenantId).prime(key.id, value);
    return this;
  }

  clearAll(): this {
    this.byTenant.clear();
    return this;
  }

  private loaderOf(tenantId: string): DataLoader<string, T> {
    let loader = this.byTenant.get(tenantId);
    if (!loader) {
      loader = new DataLoader((ids) => this.batch(tenantId, ids));
      this.byTenant.set(tenantId, loader);
    }
    return loader;
  }
}

/**
 * A loader of one object per `(tenant, id)` key, from a batch statement that returns the rows
 * found in any order: rows mapped by `map`, answers in key order, `null` for a key with no row
 * in that tenant.
 */
export function tenantRowLoader<Row extends { tenant_id: string; id: string }, T = Row>(
  batch: Batch<Row>,
  map: (row: Row) => T = (row) => row as unknown as T,
): TenantLoader<T | null> {
  return new TenantLoader(async (tenantId, ids) => {
    const rows = await batch(tenantId, ids);
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
): TenantLoader<T> {
  return new TenantLoader(async (tenantId, ids) => {
    const rows = await batch(tenantId, ids);
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
