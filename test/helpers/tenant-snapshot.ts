import { sql } from 'kysely';
import { getHarness } from './harness.js';

let tables: string[] | undefined;

/**
 * Every row of every tenant-keyed table for one tenant (audit events included), as one
 * comparable value: two equal snapshots mean the request changed nothing at all.
 */
export async function tenantSnapshot(tenantId: string): Promise<Record<string, unknown[]>> {
  const { database } = await getHarness();
  tables ??= (
    await sql<{ table_name: string }>`
      select table_name from information_schema.columns
      where table_schema = current_schema() and column_name = 'tenant_id'
      order by table_name`.execute(database.db)
  ).rows.map((r) => r.table_name);
  const snapshot: Record<string, unknown[]> = {};
  for (const table of tables) {
    const { rows } = await sql<{ row: string }>`
      select row_to_json(t)::text as row from ${sql.table(table)} t where tenant_id = ${tenantId}`.execute(
      database.db,
    );
    snapshot[table] = rows.map((r) => r.row).sort();
  }
  return snapshot;
}
