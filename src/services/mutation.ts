import { randomUUID } from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../../db/database.js';
import { insertAuditEvent } from '../../db/queries/audit.js';
import { entitlementsOfTenants } from '../../db/queries/identity.js';
import { inTransaction } from '../../db/transaction.js';
import { hasPermission, isMember, type Permission, type Principal } from '../auth/principal.js';
import type { GatewayContext } from '../context.js';
import {
  conflict,
  fail,
  invalidInput,
  notFound,
  ok,
  type Failure,
  type FieldError,
  type Result,
} from '../shared/result.js';

/** The columns the pipeline needs of any versioned row. */
export interface VersionedRow {
  tenant_id: string;
  id: string;
  version: number;
}

/**
 * What a service decided to change: field names for the audit, how to write them, and what
 * the service hands back.
 */
export interface Change<Row, Out> {
  /** Names of the fields whose values change (input names, never values). Empty: a no-op. */
  changedFields: string[];
  /** Writes the change with `version = toVersion`; returns the stored row. */
  write(trx: Transaction<Database>, toVersion: number): Promise<Row>;
  /**
   * What the mutation hands back, from the row as it is after the change (the written row, or
   * the locked row when nothing changes). Data the plan read in the transaction (e.g. the
   * client Nexus toggles) reaches the service this way, not through a captured variable.
   */
  output(row: Row): Out;
}

/**
 * Where the pipeline looks for the row: in the one tenant the arguments name, or (when the
 * operation names only the resource, `patchDatabaseConnection`) in all of the caller's
 * tenants, where a row of any other tenant is reported exactly like a missing one.
 */
export type MutationScope = { tenantId: string } | typeof CALLER_TENANTS;

/** The scope of an operation that names no tenant: the row is looked up in the caller's tenants. */
export const CALLER_TENANTS = { callerTenants: true } as const;

export interface MutationDefinition<Row extends VersionedRow, Cmd, Out> {
  resourceType: string;
  operation: string;
  /** The id the caller named, reported back in `NotFoundError`. */
  resourceId: string;
  scope: MutationScope;
  /** Every input problem at once; empty when the input is valid. */
  validate(): { fieldErrors: FieldError[] } | { command: Cmd };
  /** The caller needs at least one of these in the tenant. */
  permissions: readonly Permission[];
  /**
   * Replaces the `permissions` check where the decision needs data (e.g. client ownership).
   * `db` is the transaction when the tenant is only known from the locked row.
   */
  authorize?(
    db: Kysely<Database>,
    principal: Principal,
    tenantId: string,
    cmd: Cmd,
  ): Promise<Failure | null>;
  /** A tenant entitlement (licence) the operation needs. */
  entitlement?: string;
  /** Reads and locks the row (`FOR UPDATE`) within one of `tenantIds`. */
  lock(trx: Transaction<Database>, tenantIds: string[], cmd: Cmd): Promise<Row | undefined>;
  /**
   * When `lock` finds nothing and the reason can be more precise than "this resource does not
   * exist" (its parent is missing), the failure to report. Runs in the transaction.
   */
  notFound?(trx: Transaction<Database>, tenantIds: string[], cmd: Cmd): Promise<Failure>;
  expectedVersion(cmd: Cmd): number | null | undefined;
  /** The service's own rules, then the diff; a failure rolls everything back. */
  plan(trx: Transaction<Database>, row: Row, cmd: Cmd): Promise<Result<Change<Row, Out>>>;
}

/**
 * The one path every mutation takes, in the order SPEC.md fixes:
 * credentials → input → membership → permission → licence → existence (row locked
 * `FOR UPDATE`) → `expectedVersion` → the service's rules → write only what changed,
 * bump `version`, write the audit event. All of it in one READ COMMITTED transaction that
 * commits only on success. A change that changes nothing writes nothing.
 */
export async function runMutation<Row extends VersionedRow, Cmd, Out>(
  ctx: GatewayContext,
  def: MutationDefinition<Row, Cmd, Out>,
): Promise<Result<Out>> {
  const principal = await ctx.principal();
  if (!principal) {
    return fail({ kind: 'Authentication', message: 'valid credentials are required' });
  }

  const validated = def.validate();
  if ('fieldErrors' in validated) return fail(invalidInput(validated.fieldErrors));
  const cmd = validated.command;

  let tenantIds: string[];
  const scope = def.scope;
  if ('tenantId' in scope) {
    if (!isMember(principal, scope.tenantId)) {
      return fail({ kind: 'Authentication', message: 'not a member of this tenant' });
    }
    const denied = await checkAccess(ctx.db, def, principal, scope.tenantId, cmd);
    if (denied) return fail(denied);
    tenantIds = [scope.tenantId];
  } else {
    tenantIds = [...principal.memberships.keys()];
    if (tenantIds.length === 0) return fail(notFound(def.resourceType, def.resourceId));
  }

  return inTransaction(ctx.db, async (trx): Promise<Result<Out>> => {
    const row = await def.lock(trx, tenantIds, cmd);
    if (!row) {
      return fail(
        def.notFound
          ? await def.notFound(trx, tenantIds, cmd)
          : notFound(def.resourceType, def.resourceId),
      );
    }
    if (!('tenantId' in scope)) {
      const denied = await checkAccess(trx, def, principal, row.tenant_id, cmd);
      if (denied) return fail(denied);
    }

    const expected = def.expectedVersion(cmd);
    if (expected != null && expected !== row.version) {
      return fail(
        conflict('VERSION_MISMATCH', `expected version ${expected}, current is ${row.version}`, {
          currentVersion: row.version,
        }),
      );
    }

    const planned = await def.plan(trx, row, cmd);
    if (!planned.ok) return planned;
    const change = planned.value;
    if (change.changedFields.length === 0) return ok(change.output(row));

    const toVersion = row.version + 1;
    const written = await change.write(trx, toVersion);
    await insertAuditEvent(trx, {
      id: randomUUID(),
      tenant_id: row.tenant_id,
      actor_id: principal.id,
      actor_kind: principal.kind,
      resource_type: def.resourceType,
      resource_id: row.id,
      operation: def.operation,
      changed_fields: change.changedFields,
      from_version: row.version,
      to_version: toVersion,
      request_id: ctx.requestId,
    });
    return ok(change.output(written));
  });
}

/**
 * Permission, then licence, in one tenant. `db` is the open transaction when there is one:
 * on PGlite a second connection does not exist while a transaction holds the first.
 */
async function checkAccess<Row extends VersionedRow, Cmd, Out>(
  db: Kysely<Database>,
  def: MutationDefinition<Row, Cmd, Out>,
  principal: Principal,
  tenantId: string,
  cmd: Cmd,
): Promise<Failure | null> {
  if (def.authorize) {
    const denied = await def.authorize(db, principal, tenantId, cmd);
    if (denied) return denied;
  } else if (!hasPermission(principal, tenantId, def.permissions)) {
    return {
      kind: 'PermissionDenied',
      code: 'PERMISSION_DENIED',
      requiredPermissions: [...def.permissions],
    };
  }
  if (def.entitlement) {
    const [entitlements] = await entitlementsOfTenants(db, [tenantId]);
    if (!entitlements.includes(def.entitlement)) {
      return { kind: 'PermissionDenied', code: 'LICENSE_REQUIRED', requiredPermissions: [] };
    }
  }
  return null;
}
