import type { Kysely } from 'kysely';
import type { Database } from '../database.js';
import { prepared } from '../prepared.js';

export interface ApiKeyLookup {
  id: string;
  principalId: string;
  expiresAt: Date | null;
  revokedAt: Date | null;
  memberships: { tenantId: string; permissions: string[] }[];
}

/**
 * The API key with this hash and the key's own memberships, in one statement:
 *
 * ```sql
 * select k.id, k.principal_id, k.expires_at, k.revoked_at, m.tenant_id, m.permissions
 * from api_keys k left join api_key_memberships m on m.api_key_id = k.id
 * where k.key_hash = $1
 * ```
 *
 * Nothing is cached: a revoked key is refused on its very next request, on every process.
 */
export async function findApiKeyByHash(
  db: Kysely<Database>,
  keyHash: string,
): Promise<ApiKeyLookup | undefined> {
  const rows = await apiKeyWithMemberships(db, keyHash);
  if (rows.length === 0) return undefined;
  const [first] = rows;
  return {
    id: first.id,
    principalId: first.principal_id,
    expiresAt: first.expires_at,
    revokedAt: first.revoked_at,
    memberships: rows
      .filter((r) => r.tenant_id !== null)
      .map((r) => ({ tenantId: r.tenant_id!, permissions: r.permissions ?? [] })),
  };
}

const apiKeyWithMemberships = prepared(
  (db, keyHash: string) =>
    db
      .selectFrom('api_keys as k')
      .leftJoin('api_key_memberships as m', 'm.api_key_id', 'k.id')
      .select([
        'k.id',
        'k.principal_id',
        'k.expires_at',
        'k.revoked_at',
        'm.tenant_id',
        'm.permissions',
      ])
      .where('k.key_hash', '=', keyHash),
  { named: true },
);

/**
 * Batch: entitlements of each tenant, in key order (for the per-request loader):
 * `select tenant_id, entitlement from tenant_entitlements where tenant_id = any($1)`.
 */
export async function entitlementsOfTenants(
  db: Kysely<Database>,
  tenantIds: readonly string[],
): Promise<string[][]> {
  const rows = await entitlementRows(db, tenantIds);
  return tenantIds.map((t) => rows.filter((r) => r.tenant_id === t).map((r) => r.entitlement));
}

/** Named: the licence check of every licensed mutation runs it. */
const entitlementRows = prepared(
  (db, tenantIds: readonly string[]) =>
    db
      .selectFrom('tenant_entitlements')
      .select(['tenant_id', 'entitlement'])
      .where((eb) => eb('tenant_id', '=', eb.fn.any(eb.val(tenantIds)))),
  { named: true },
);

export async function insertPrincipal(
  db: Kysely<Database>,
  principal: { id: string; name: string },
): Promise<void> {
  await db
    .insertInto('principals')
    .values(principal)
    .onConflict((oc) => oc.doNothing())
    .execute();
}

/**
 * Stores a new API key (only its hash) with its own memberships. The key's rights are exactly
 * these, whatever other keys its principal holds.
 */
export async function insertApiKey(
  db: Kysely<Database>,
  key: {
    id: string;
    principalId: string;
    name: string;
    keyHash: string;
    expiresAt?: Date | null;
    memberships: { tenantId: string; permissions: string[] }[];
  },
): Promise<void> {
  await db
    .insertInto('api_keys')
    .values({
      id: key.id,
      principal_id: key.principalId,
      name: key.name,
      key_hash: key.keyHash,
      expires_at: key.expiresAt ?? null,
    })
    .execute();
  if (key.memberships.length === 0) return;
  await db
    .insertInto('api_key_memberships')
    .values(
      key.memberships.map((m) => ({
        api_key_id: key.id,
        tenant_id: m.tenantId,
        permissions: m.permissions,
      })),
    )
    .execute();
}

export interface ApiKeyListing {
  id: string;
  principalId: string;
  name: string;
  createdAt: Date;
  expiresAt: Date | null;
  revokedAt: Date | null;
  memberships: { tenantId: string; permissions: string[] }[];
}

/**
 * API keys for operators (`npm run apikey:list`), oldest first: never the hash. `tenantId`
 * keeps the keys with a membership in that tenant (and lists only that membership); `id` one key.
 */
export async function listApiKeys(
  db: Kysely<Database>,
  filter: { tenantId?: string; id?: string } = {},
): Promise<ApiKeyListing[]> {
  let query = db
    .selectFrom('api_keys as k')
    .leftJoin('api_key_memberships as m', 'm.api_key_id', 'k.id')
    .select([
      'k.id',
      'k.principal_id',
      'k.name',
      'k.created_at',
      'k.expires_at',
      'k.revoked_at',
      'm.tenant_id',
      'm.permissions',
    ])
    .orderBy('k.created_at')
    .orderBy('k.id')
    .orderBy('m.tenant_id');
  if (filter.tenantId !== undefined) query = query.where('m.tenant_id', '=', filter.tenantId);
  if (filter.id !== undefined) query = query.where('k.id', '=', filter.id);
  const keys = new Map<string, ApiKeyListing>();
  for (const row of await query.execute()) {
    let key = keys.get(row.id);
    if (!key) {
      key = {
        id: row.id,
        principalId: row.principal_id,
        name: row.name,
        createdAt: row.created_at,
        expiresAt: row.expires_at,
        revokedAt: row.revoked_at,
        memberships: [],
      };
      keys.set(row.id, key);
    }
    if (row.tenant_id !== null)
      key.memberships.push({ tenantId: row.tenant_id, permissions: row.permissions ?? [] });
  }
  return [...keys.values()];
}

/** Revokes a key from now on; false when there is no such unrevoked key. */
export async function revokeApiKey(db: Kysely<Database>, id: string): Promise<boolean> {
  const result = await db
    .updateTable('api_keys')
    .set({ revoked_at: new Date() })
    .where('id', '=', id)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}
