import { sql, type Kysely } from 'kysely';
import type { Database } from '../database.js';
import type { AuditEventRow } from '../tables/identity.js';

/** The channel the audit trigger notifies on commit (payload: the tenant id). */
export const CHANGES_CHANNEL = 'cgw_changes';

/** One committed audit event as the change feed reads it (`seq` and `xid` as decimal text). */
export type ChangeRow = AuditEventRow;

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
 * Events of `tenantIds` written by transactions that had not committed in snapshot `lo` and
 * had committed in snapshot `hi`, with `seq > afterSeq`, in `seq` order, at most `limit`.
 * `lo` must be older than `hi`. Every such transaction has `xid >= xmin(lo)`, which bounds
 * the index range:
 *
 *   select … from audit_events
 *   where tenant_id = any($1) and xid >= pg_snapshot_xmin($lo)
 *     and not pg_visible_in_snapshot(xid, $lo) and pg_visible_in_snapshot(xid, $hi)
 *     and seq > $afterSeq
 *   order by seq limit $limit   -- the column: `seq::text as seq` would sort as text
 */
export async function changesBetween(
  db: Kysely<Database>,
  range: { tenantIds: string[]; lo: string; hi: string; afterSeq: string; limit: number },
): Promise<ChangeRow[]> {
  if (range.tenantIds.length === 0) return [];
  const { rows } = await sql<ChangeRow>`
    select seq::text as seq, xid::text as xid, id, tenant_id, actor_id, actor_kind,
      resource_type, resource_id, operation, changed_fields, changes, from_version, to_version,
      request_id, created_at
    from audit_events
    where tenant_id = any(${range.tenantIds}::text[])
      and xid >= pg_snapshot_xmin(${range.lo}::pg_snapshot)
      and not pg_visible_in_snapshot(xid, ${range.lo}::pg_snapshot)
      and pg_visible_in_snapshot(xid, ${range.hi}::pg_snapshot)
      and audit_events.seq > ${range.afterSeq}::bigint
    order by audit_events.seq
    limit ${range.limit}`.execute(db);
  return rows;
}

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
