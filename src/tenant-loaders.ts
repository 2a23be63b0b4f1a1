import DataLoader from 'dataloader';
import type { TenantKey } from '../db/queries/tenant-keys.js';

export type { TenantKey };

const cacheKey = (k: TenantKey) => `${k.tenantId}\u0000${k.id}`;

/**
 * A loader of one object per `(tenant, id)` key, from a batch statement that returns the rows
 * found in any order: rows mapped by `map`, answers in key order, `null` for a key with no row
 * in that tenant.
 */
export function tenantRowLoader<Row extends { tenant_id: string; id: string }, T = Row>(
  batch: (keys: readonly TenantKey[]) => Promise<Row[]>,
  map: (row: Row) => T = (row) => row as unknown as T,
): DataLoader<TenantKey, T | null, string> {
  return new DataLoader(
    async (keys) => {
      const rows = await batch(keys);
      const byKey = new Map(
        rows.map((r) => [cacheKey({ tenantId: r.tenant_id, id: r.id }), map(r)]),
      );
      return keys.map((k) => byKey.get(cacheKey(k)) ?? null);
    },
    { cacheKeyFn: cacheKey },
  );
}

/**
 * A loader of the rows that belong to each `(tenant, owner id)` key (a connection's clients,
 * jobs or slots, a credential's usages): one batch statement, rows grouped by `ownerOf` in the
 * order the statement returned them, then shaped by `shape`; a key with no rows gets
 * `shape([])`.
 */
export function tenantGroupLoader<Row extends { tenant_id: string }, T>(
  batch: (keys: readonly TenantKey[]) => Promise<Row[]>,
  ownerOf: (row: Row) => string,
  shape: (rows: Row[]) => T,
): DataLoader<TenantKey, T, string> {
  return new DataLoader(
    async (keys) => {
      const rows = await batch(keys);
      const groups = new Map<string, Row[]>();
      for (const row of rows) {
        const key = cacheKey({ tenantId: row.tenant_id, id: ownerOf(row) });
        const group = groups.get(key);
        if (group) group.push(row);
        else groups.set(key, [row]);
      }
      return keys.map((k) => shape(groups.get(cacheKey(k)) ?? []));
    },
    { cacheKeyFn: cacheKey },
  );
}
