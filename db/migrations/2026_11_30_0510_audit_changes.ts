import { sql, type Kysely } from 'kysely';

/**
 * What each audit event changed: `[{ field, from, to, secret }]` (a secret field with
 * `from`/`to` null). Earlier events get an empty list. An index serves the audit trail of a
 * whole tenant (`auditEvents(tenantId:)`) in either order.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('audit_events')
    .addColumn('changes', 'jsonb', (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
    .execute();
  await db.schema
    .createIndex('audit_events_tenant_idx')
    .on('audit_events')
    .columns(['tenant_id', 'created_at', 'id'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('audit_events_tenant_idx').ifExists().execute();
  await db.schema.alterTable('audit_events').dropColumn('changes').execute();
}
