import { sql, type Kysely } from 'kysely';
import type { Database } from '../database.js';

export interface SealedCell {
  tenant_id: string;
  id: string;
  sealed: string;
}

/**
 * Up to `limit` sealed values of one column that are not wrapped with `activeKeyId`:
 * `select tenant_id, id, <column> from <table> where <column> is not null
 *  and <column> not like 'v1.<activeKeyId>.%' order by id limit $limit`.
 * Table and column come from the fixed list in `src/crypto/sealed-columns.ts`, never from input.
 */
export async function sealedCellsNotUnder(
  db: Kysely<Database>,
  table: string,
  column: string,
  activeKeyId: string,
  afterId: string | null,
  limit: number,
  tenantId?: string,
): Promise<SealedCell[]> {
  const { rows } = await sql<SealedCell>`
    select tenant_id, id, ${sql.ref(column)} as sealed from ${sql.table(table)}
    where ${sql.ref(column)} is not null
      and ${sql.ref(column)} not like ${`v1.${activeKeyId}.%`}
      and id > ${afterId ?? '00000000-0000-0000-0000-000000000000'}
      ${tenantId === undefined ? sql`` : sql`and tenant_id = ${tenantId}`}
    order by id limit ${limit}`.execute(db);
  return rows;
}

/**
 * Replaces one sealed value if it is still the one read (compare-and-set), so a concurrent
 * write of a new secret is never overwritten by a re-wrap of the old one. No version bump:
 * the secret itself does not change.
 */
export async function replaceSealedCell(
  db: Kysely<Database>,
  table: string,
  column: string,
  cell: SealedCell,
  resealed: string,
): Promise<boolean> {
  const result = await sql`
    update ${sql.table(table)} set ${sql.ref(column)} = ${resealed}
    where tenant_id = ${cell.tenant_id} and id = ${cell.id} and ${sql.ref(column)} = ${cell.sealed}`.execute(
    db,
  );
  return (result.numAffectedRows ?? 0n) > 0n;
}

/** The stored key checks (`secret_key_checks`), one per secrets-key id that ever sealed. */
export async function keyChecks(
  db: Kysely<Database>,
): Promise<{ key_id: string; sealed: string }[]> {
  return db.selectFrom('secret_key_checks').select(['key_id', 'sealed']).execute();
}

/** Records the check of one key id unless it is already there (the first one stays). */
export async function insertKeyCheck(
  db: Kysely<Database>,
  keyId: string,
  sealed: string,
): Promise<void> {
  await db
    .insertInto('secret_key_checks')
    .values({ key_id: keyId, sealed })
    .onConflict((oc) => oc.column('key_id').doNothing())
    .execute();
}
