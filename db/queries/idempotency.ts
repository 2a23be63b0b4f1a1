import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database } from '../database.js';
import type { IdempotencyKeyRow, NewIdempotencyKeyRow } from '../tables/idempotency.js';

/**
 * Serializes every call with one (principal, key), across processes: a transaction-scoped
 * advisory lock on a hash of both, taken before the key is looked up. A concurrent call with
 * the same key waits here until the first one's transaction ends, then finds its record.
 *
 * ```sql
 * select pg_advisory_xact_lock(hashtextextended('idempotency:' || $principal || ':' || $key, 0))
 * ```
 */
export async function lockIdempotencyKey(
  trx: Transaction<Database>,
  principalId: string,
  key: string,
): Promise<void> {
  await sql`select pg_advisory_xact_lock(hashtextextended(${`idempotency:${principalId}:${key}`}, 0))`.execute(
    trx,
  );
}

/** The principal's unexpired record of `key`, if any. */
export async function findIdempotencyKey(
  trx: Transaction<Database>,
  principalId: string,
  key: string,
): Promise<IdempotencyKeyRow | undefined> {
  return trx
    .selectFrom('idempotency_keys')
    .selectAll()
    .where('principal_id', '=', principalId)
    .where('key', '=', key)
    .where('expires_at', '>', sql<Date>`now()`)
    .executeTakeFirst();
}

/** Records a key's first result (replacing an expired record of the same key). */
export async function saveIdempotencyKey(
  trx: Transaction<Database>,
  row: NewIdempotencyKeyRow,
): Promise<void> {
  await trx
    .insertInto('idempotency_keys')
    .values(row)
    .onConflict((oc) =>
      oc.columns(['principal_id', 'key']).doUpdateSet({
        operation: row.operation,
        request_hash: row.request_hash,
        tenant_id: row.tenant_id,
        result: row.result,
        expires_at: row.expires_at,
      }),
    )
    .execute();
}

/**
 * Deletes up to `limit` expired records, skipping rows another transaction holds (so the
 * cleanup never waits for a request, nor a request for it); returns how many it deleted.
 *
 * ```sql
 * delete from idempotency_keys where (principal_id, key) in (
 *   select principal_id, key from idempotency_keys where expires_at <= now()
 *   limit $1 for update skip locked)
 * ```
 */
export async function deleteExpiredIdempotencyKeys(
  db: Kysely<Database>,
  limit: number,
): Promise<number> {
  const result = await sql`
    delete from idempotency_keys where (principal_id, key) in (
      select principal_id, key from idempotency_keys where expires_at <= now()
      limit ${limit} for update skip locked)`.execute(db);
  return Number(result.numAffectedRows ?? 0);
}
