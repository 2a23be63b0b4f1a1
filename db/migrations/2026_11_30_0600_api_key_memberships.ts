import { sql, type Kysely } from 'kysely';

/**
 * A key's rights become its own: memberships move from the principal to each API key
 * (`api_key_memberships`), so creating a second key for a principal can never widen or narrow
 * the rights of its first. Every existing key keeps exactly the rights it had (its
 * principal's memberships are copied to it); the principal-level table goes.
 *
 * Frozen in time: this file never imports application code.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('api_key_memberships')
    .addColumn('api_key_id', 'uuid', (c) =>
      c.notNull().references('api_keys.id').onDelete('cascade'),
    )
    .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id').onDelete('cascade'))
    .addColumn('permissions', sql`text[]`, (c) => c.notNull().defaultTo(sql`'{}'`))
    .addPrimaryKeyConstraint('api_key_memberships_pk', ['api_key_id', 'tenant_id'])
    .execute();
  await db.schema
    .createIndex('api_key_memberships_tenant_idx')
    .on('api_key_memberships')
    .column('tenant_id')
    .execute();
  await sql`
    insert into api_key_memberships (api_key_id, tenant_id, permissions)
    select k.id, m.tenant_id, m.permissions
    from api_keys k join memberships m on m.principal_id = k.principal_id`.execute(db);
  await db.schema.dropTable('memberships').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('memberships')
    .addColumn('principal_id', 'text', (c) =>
      c.notNull().references('principals.id').onDelete('cascade'),
    )
    .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id').onDelete('cascade'))
    .addColumn('permissions', sql`text[]`, (c) => c.notNull().defaultTo(sql`'{}'`))
    .addPrimaryKeyConstraint('memberships_pk', ['principal_id', 'tenant_id'])
    .execute();
  await db.schema
    .createIndex('memberships_tenant_idx')
    .on('memberships')
    .column('tenant_id')
    .execute();
  // A principal gets the union of its keys' rights: the most the old model can express.
  await sql`
    insert into memberships (principal_id, tenant_id, permissions)
    select k.principal_id, km.tenant_id, array_agg(distinct p order by p)
    from api_key_memberships km
    join api_keys k on k.id = km.api_key_id
    cross join unnest(km.permissions) as p
    group by k.principal_id, km.tenant_id`.execute(db);
  await db.schema.dropTable('api_key_memberships').execute();
}
