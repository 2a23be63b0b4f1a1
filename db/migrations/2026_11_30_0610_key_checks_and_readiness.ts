import { sql, type Kysely } from 'kysely';

/**
 * Two operational tables:
 * - `secret_key_checks`: per secrets-key id, a known value sealed with that key. At start the
 *   gateway opens it with the configured key of that id; a key that was replaced, lost or
 *   mistyped is found before any secret is read or written with it.
 * - `readiness_probe`: one row that `/readyz` rewrites, so readiness means "can commit a
 *   write", not only "answers a query".
 *
 * Frozen in time: this file never imports application code.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('secret_key_checks')
    .addColumn('key_id', 'text', (c) => c.primaryKey())
    .addColumn('sealed', 'text', (c) => c.notNull())
    .addColumn('created_at', sql`timestamptz(3)`, (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema
    .createTable('readiness_probe')
    .addColumn('id', 'integer', (c) => c.primaryKey())
    .addColumn('probed_at', sql`timestamptz(3)`, (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('readiness_probe').execute();
  await db.schema.dropTable('secret_key_checks').execute();
}
