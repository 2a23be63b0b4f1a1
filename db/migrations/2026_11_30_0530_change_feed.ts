import { sql, type Kysely } from 'kysely';

/**
 * The audit table becomes the outbox of live changes (`connectionChanges`):
 * - `seq`: a number taken when the event is written. Within one resource it follows the
 *   version order (the row is locked while the event is written), but transactions commit in
 *   another order than they take numbers, so `seq` alone can never be a resume position;
 * - `xid`: the writing transaction's id (`pg_current_xact_id()`, top level). Readers compare
 *   it with PostgreSQL snapshots (`pg_visible_in_snapshot`) to know exactly which events had
 *   committed when they read;
 * - a trigger that `NOTIFY`s `cgw_changes` with the tenant id. PostgreSQL delivers it on
 *   commit only (never for a rolled-back change) to every listening session: a hint to read,
 *   never the data itself.
 *
 * Frozen in time: this file never imports application code.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table audit_events add column seq bigint generated always as identity`.execute(
    db,
  );
  await sql`alter table audit_events add column xid xid8 not null default pg_current_xact_id()`.execute(
    db,
  );
  await sql`create index audit_events_xid_idx on audit_events (xid)`.execute(db);
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

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop trigger audit_events_notify on audit_events`.execute(db);
  await sql`drop function audit_events_notify()`.execute(db);
  await sql`drop index audit_events_xid_idx`.execute(db);
  await sql`alter table audit_events drop column xid`.execute(db);
  await sql`alter table audit_events drop column seq`.execute(db);
}
