import { sql, type Kysely } from 'kysely';

/**
 * Drops the audit trigger that `NOTIFY`d `cgw_changes` on every audit insert: a transaction that
 * notifies takes PostgreSQL's cluster-wide notify lock from just before its commit until the
 * commit is flushed, so every mutation's commit waited for the one before it. The writing
 * gateway process now sends the notification itself, after its commits and outside their
 * transactions, coalesced (one in flight at a time). `down` restores the trigger.
 *
 * Frozen in time: this file never imports application code.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`drop trigger audit_events_notify on audit_events`.execute(db);
  await sql`drop function audit_events_notify()`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`
    create function audit_events_notify() returns trigger language plpgsql as $$
    begin
      perform pg_notify('cgw_changes', new.tenant_id);
      return null;
    end
    $$`.execute(db);
  await sql`
    create trigger audit_events_notify after insert on audit_events
    for each row execute function audit_events_notify()`.execute(db);
}
