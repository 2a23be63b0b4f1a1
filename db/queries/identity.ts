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
 * The API key with this hash and its principal's memberships, in one statement:
 *
 * ```sql
 * select k.id, k.principal_id, k.expires_at, k.revoked_at, m.tenant_id, m.permissions
 * from api_keys k left join memberships m on m.principal_id = k.principal_id
 * where k.key_hash = $1
 * ```
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

const apiKeyWithMemberships = prepared((db, keyHash: string) =>
  db
    .selectFrom('api_keys as k')
    .leftJoin('memberships as m', 'm.principal_id', 'k.principal_id')
    .select([
      'k.id',
      'k.principal_id',
      'k.expires_at',
      'k.revoked_at',
      'm.tenant_id',
      'm.permissions',
    ])
    .where('k.key_hash', '=', keyHash),
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

const entitlementRows = prepared((db, tenantIds: readonly string[]) =>
  db
    .selectFrom('tenant_entitlements')
    .select(['tenant_id', 'entitlement'])
    .where((eb) => eb('tenant_id', '=', eb.fn.any(eb.val(tenantIds)))),
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

export async function upsertMembership(
  db: Kysely<Database>,
  m: { principalId: string; tenantId: string; permissions: string[] },
): Promise<void> {
  await db
    .insertInto('memberships')
    .values({ principal_id: m.principalId, tenant_id: m.tenantId, permissions: m.permissions })
    .onConflict((oc) =>
      oc.columns(['principal_id', 'tenant_id']).doUpdateSet({ permissions: m.permissions }),
    )
    .execute();
}

export async function insertApiKey(
  db: Kysely<Database>,
  key: { id: string; principalId: string; name: string; keyHash: string; expiresAt?: Date | null },
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
}

export async function revokeApiKey(db: Kysely<Database>, id: string): Promise<boolean> {
  const result = await db
    .updateTable('api_keys')
    .set({ revoked_at: new Date() })
    .where('id', '=', id)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}
