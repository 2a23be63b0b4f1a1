import { sql, type Kysely } from 'kysely';

/**
 * Rewrites connection names stored before names were normalised to Unicode NFC (rows written
 * by an older gateway, or by hand) in NFC, so that the uniqueness checks, which compare the NFC
 * spelling of a new name with the stored names, see them: "Café" typed with a combining accent
 * and "Café" typed with the composed letter are one name.
 *
 * - Only the user-given names that the gateway normalises: `oes_connections`,
 *   `org_connections`, `database_connections` and `connector_connections`. Identifiers another
 *   system compares byte for byte (a database's name, user, schema) keep their code points.
 * - A row is left as it is when its NFC spelling would collide, under the table's name rule,
 *   with another row's (a connector's connections: the same name within the connector; a
 *   tenant's database connections: the same name ignoring case, the rule of the unique index):
 *   two rows that were already one name twice cannot be told apart by a migration, and the
 *   index would refuse the rewrite. Nothing else is changed: the versions, `updated_at` and the
 *   audit trail stay, as the two spellings are the same name by the gateway's rule.
 * - `down` does nothing: the original spellings are not kept.
 * - A database in another encoding than UTF8 is left alone (`normalize` refuses it).
 *
 * Frozen in time: this file never imports application code.
 */
export async function up(db: Kysely<any>): Promise<void> {
  // `normalize` needs a UTF8 database; in another encoding there is nothing it could rewrite.
  const { rows } = await sql<{
    encoding: string;
  }>`select current_setting('server_encoding') as encoding`.execute(db);
  if (rows[0].encoding !== 'UTF8') return;
  for (const table of ['oes_connections', 'org_connections'])
    await sql`
      update ${sql.table(table)} set name = normalize(name, NFC)
      where name is not nfc normalized`.execute(db);
  await sql`
    update connector_connections c set name = normalize(c.name, NFC)
    where c.name is not nfc normalized
      and not exists (
        select 1 from connector_connections o
        where o.tenant_id = c.tenant_id and o.connector_id = c.connector_id and o.id <> c.id
          and normalize(o.name, NFC) = normalize(c.name, NFC))`.execute(db);
  await sql`
    update database_connections c set name = normalize(c.name, NFC)
    where c.name is not nfc normalized
      and not exists (
        select 1 from database_connections o
        where o.tenant_id = c.tenant_id and o.id <> c.id
          and lower(normalize(o.name, NFC)) = lower(normalize(c.name, NFC)))`.execute(db);
}

export async function down(): Promise<void> {}
