import { sql, type Kysely } from 'kysely';
import type { Database } from '../database.js';
import type { AuditEventRow } from '../tables/identity.js';
import { prepared } from '../prepared.js';

/**
 * The channel a gateway process notifies after it committed audit events (`notifyChanges`;
 * no payload): a hint to every listening process to read, never the data itself.
 */
export const CHANGES_CHANNEL = 'cgw_changes';

/**
 * `NOTIFY cgw_changes` in a transaction of its own (one autocommit statement), after the
 * commits it announces: PostgreSQL delivers it to every listening session when it commits. A
 * transaction that notifies holds a cluster-wide lock from just before its commit until the
 * commit is done (`PreCommit_Notify`), which is why the mutations' own transactions no longer
 * notify (`src/changes/notifier.ts`). Notifying gives the transaction an id, so its commit
 * would wait for a WAL flush of its own: `synchronous_commit` is off for it, as losing a hint
 * in a crash loses nothing (the commits it announces were flushed before it was sent).
 *
 *   select set_config('synchronous_commit', 'off', true), pg_notify('cgw_changes', '')
 */
export async function notifyChanges(db: Kysely<Database>): Promise<void> {
  await notify(db);
}

/** Compiled once (`prepared`): a `sql` template compiles anew every time it runs. */
const notify = prepared(
  (_db) =>
    sql`select set_config('synchronous_commit', 'off', true), pg_notify(${CHANGES_CHANNEL}, '')`,
);

/**
 * One committed audit event as the change feed reads it (`seq` and `xid` as decimal text),
 * with its tenant's entitlements as they were in the snapshot that read it: whether a licensed
 * resource type's change may be delivered is decided by the licence in force when it is read.
 */
export type ChangeRow = AuditEventRow & { tenant_entitlements: string[] };

/** The columns of a `ChangeRow`, from `audit_events` as `a`. */
const CHANGE_COLUMNS = sql`a.seq::text as seq, a.xid::text as xid, a.id, a.tenant_id, a.actor_id,
  a.actor_kind, a.resource_type, a.resource_id, a.operation, a.changed_fields, a.changes,
  a.from_version, a.to_version, a.request_id, a.created_at,
  array(select t.entitlement from tenant_entitlements t where t.tenant_id = a.tenant_id)
    as tenant_entitlements`;

/**
 * The snapshot of the running statement (`pg_current_snapshot()`, text `xmin:xmax:xip,…`).
 * In a REPEATABLE READ transaction it is the transaction's snapshot: every later read of the
 * transaction sees exactly the transactions it calls committed.
 */
export async function currentSnapshot(db: Kysely<Database>): Promise<string> {
  const { rows } = await sql<{
    snapshot: string;
  }>`select pg_current_snapshot()::text as snapshot`.execute(db);
  return rows[0].snapshot;
}

/**
 * In one statement (one round trip, no transaction): the statement's own snapshot `hi` (its
 * scans see exactly the transactions `hi` calls committed) and, when `lo` is given, the first
 * `limit` events of `tenantIds` written by transactions that had not committed in `lo` and
 * had in `hi`, in `seq` order. The rest of that range, if the page is full, is read with
 * {@link changesBetween} and `hi`.
 *
 *   with s as materialized (select pg_current_snapshot() as hi)
 *   select s.hi::text as snapshot, e.* from s left join lateral (
 *     select … from audit_events a where a.xid >= xmin($lo) and a.tenant_id || '' = any($1)
 *       and not visible(a.xid, $lo) and visible(a.xid, s.hi) order by a.seq limit $limit
 *   ) e on true
 */
export async function snapshotAndChanges(
  db: Kysely<Database>,
  read: { tenantIds: string[]; lo: string | undefined; limit: number },
): Promise<{ snapshot: string; rows: ChangeRow[] }> {
  if (read.lo === undefined || read.tenantIds.length === 0)
    return { snapshot: await currentSnapshot(db), rows: [] };
  const rows = await snapshotAndChangesStatement(db, read.tenantIds, read.lo, read.limit);
  const snapshot = rows[0].snapshot;
  return {
    snapshot,
    rows:
      rows[0].seq_order === null ? [] : rows.map(({ snapshot: _s, seq_order: _o, ...row }) => row),
  };
}

/*
 * The feed's two reads are named statements (db/named-statements.ts): each read used to be
 * parsed and analysed afresh, and its PostgreSQL CPU is now about a quarter of what it was
 * (bench/README.md, "Round 6: the change feed"). Their result columns are the lateral
 * subquery's, each named in `CHANGE_COLUMNS`, so `e.*` stays the same list whatever a
 * migration adds to the table.
 *
 * Past five runs PostgreSQL may keep a generic plan, which does not know `lo`'s xmin: the
 * tenant condition is written so that no index on `tenant_id` can serve it (`tenant_id || ''`),
 * leaving the range `xid >= xmin(lo)` (the index on `xid`) as the only way in. With stale
 * statistics a generic plan was seen to AND the tenant index into that range: it read every
 * event the subscribed tenants ever had, at every read.
 */
const snapshotAndChangesStatement = prepared(
  (_db, tenantIds: string[], lo: string, limit: number) =>
    sql<ChangeRow & { snapshot: string; seq_order: string | null }>`
    with s as materialized (select pg_current_snapshot() as hi)
    select s.hi::text as snapshot, e.*
    from s left join lateral (
      select a.seq as seq_order, ${CHANGE_COLUMNS}
      from audit_events a
      where a.xid >= pg_snapshot_xmin(${lo}::pg_snapshot)
        and a.tenant_id || '' = any(${tenantIds}::text[])
        and not pg_visible_in_snapshot(a.xid, ${lo}::pg_snapshot)
        and pg_visible_in_snapshot(a.xid, s.hi)
      order by a.seq
      limit ${limit}
    ) e on true
    order by e.seq_order`,
  { named: true },
);

/**
 * Events of `tenantIds` written by transactions that had not committed in snapshot `lo` and
 * had committed in snapshot `hi`, with `seq > afterSeq`, in `seq` order, at most `limit`.
 * `lo` must be older than `hi`, and `hi` no newer than the statement's own snapshot (a
 * transaction `hi` calls committed is then visible). Every such transaction has
 * `xid >= xmin(lo)`, which bounds the index range:
 *
 *   select … from audit_events
 *   where xid >= pg_snapshot_xmin($lo) and tenant_id || '' = any($1)
 *     and not pg_visible_in_snapshot(xid, $lo) and pg_visible_in_snapshot(xid, $hi)
 *     and seq > $afterSeq
 *   order by seq limit $limit   -- the column: `seq::text as seq` would sort as text
 */
export async function changesBetween(
  db: Kysely<Database>,
  range: { tenantIds: string[]; lo: string; hi: string; afterSeq: string; limit: number },
): Promise<ChangeRow[]> {
  if (range.tenantIds.length === 0) return [];
  return changesBetweenStatement(
    db,
    range.tenantIds,
    range.lo,
    range.hi,
    range.afterSeq,
    range.limit,
  );
}

const changesBetweenStatement = prepared(
  (_db, tenantIds: string[], lo: string, hi: string, afterSeq: string, limit: number) =>
    sql<ChangeRow>`
    select ${CHANGE_COLUMNS}
    from audit_events a
    where a.xid >= pg_snapshot_xmin(${lo}::pg_snapshot)
      and a.tenant_id || '' = any(${tenantIds}::text[])
      and not pg_visible_in_snapshot(a.xid, ${lo}::pg_snapshot)
      and pg_visible_in_snapshot(a.xid, ${hi}::pg_snapshot)
      and a.seq > ${afterSeq}::bigint
    order by a.seq
    limit ${limit}`,
  { named: true },
);

/** The connector a connector connection belongs to (a change event names only the connection). */
export async function connectorIdOfConnection(
  db: Kysely<Database>,
  tenantId: string,
  connectionId: string,
): Promise<string | undefined> {
  const row = await db
    .selectFrom('connector_connections')
    .select('connector_id')
    .where('tenant_id', '=', tenantId)
    .where('id', '=', connectionId)
    .executeTakeFirst();
  return row?.connector_id;
}
