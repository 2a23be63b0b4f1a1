export const PERMISSIONS = [
  'connections:read',
  'connections:write',
  'client.write',
  'client.write.all',
] as const;
export type Permission = (typeof PERMISSIONS)[number];

export const isPermission = (value: unknown): value is Permission =>
  typeof value === 'string' && (PERMISSIONS as readonly string[]).includes(value);

/** Who is calling, and what they may do in which tenant. */
export interface Principal {
  /** Stable subject id: a principal row's id for API keys, the JWT `sub` for tokens. */
  id: string;
  kind: 'api_key' | 'jwt';
  /** The API key's id, or the JWT's `jti` when it has one. */
  credentialId: string | null;
  /** tenant id → permissions granted there. */
  memberships: ReadonlyMap<string, ReadonlySet<Permission>>;
}

export const isMember = (principal: Principal, tenantId: string): boolean =>
  principal.memberships.has(tenantId);

/** True when the principal holds at least one of `anyOf` in the tenant. */
export function hasPermission(
  principal: Principal,
  tenantId: string,
  anyOf: readonly Permission[],
): boolean {
  const granted = principal.memberships.get(tenantId);
  return !!granted && anyOf.some((p) => granted.has(p));
}

/** Tenants in which the principal holds at least one of `anyOf`. */
export function tenantsWith(principal: Principal, anyOf: readonly Permission[]): string[] {
  return [...principal.memberships.keys()].filter((t) => hasPermission(principal, t, anyOf));
}

export function membershipsFrom(
  entries: Iterable<{ tenantId: string; permissions: readonly string[] }>,
): Map<string, Set<Permission>> {
  const map = new Map<string, Set<Permission>>();
  for (const { tenantId, permissions } of entries) {
    const set = map.get(tenantId) ?? new Set<Permission>();
    for (const p of permissions) if (isPermission(p)) set.add(p);
    map.set(tenantId, set);
  }
  return map;
}
