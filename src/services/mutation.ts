import { randomUUID } from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../../db/database.js';
import { insertAuditEvent } from '../../db/queries/audit.js';
import { entitlementsOfTenants } from '../../db/queries/identity.js';
import { inTransaction } from '../../db/transaction.js';
import { changesCommitted } from '../changes/notifier.js';
import { idempotencyKeyErrors, idempotent } from './idempotency.js';
import { hasPermission, isMember, type Permission, type Principal } from '../auth/principal.js';
import type { GatewayContext } from '../context.js';
import {
  conflict,
  fail,
  invalidInput,
  licenceRequired,
  notFound,
  ok,
  type Failure,
  type FieldChange,
  type FieldError,
  type Result,
  type MutationOutcome,
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
  /**
   * The fields whose values change (input names), each with its old and new value (a secret
   * only with `secret: true`), in the order the audit event records them. Empty: a no-op.
   */
  changes: FieldChange[];
  /** Writes the change with `version = toVersion`; returns the stored row. */
  write(trx: Transaction<Database>, toVersion: number): Promise<Row>;
  /**
   * What the mutation hands back, from the row as it is after the change (the written row, or
   * the locked row when nothing changes). Data the plan read in the transaction (e.g. the
   * client Nexus toggles) reaches the service this way, not through a captured variable.
   */
  output(row: Row): Out;
  /**
   * What `output` would hand back after `write`, without writing anything and without sealing
   * any secret: the dry run's answer (`validateOnly`). May read in the transaction (the would-be
   * value of a nested list that is the connection's own, e.g. Nexus's clients).
   */
  preview(trx: Transaction<Database>, toVersion: number): Promise<Out>;
}

/** How the caller wants the mutation run (the arguments every mutation takes besides its own). */
export interface MutationOptions {
  /** Run every check and compute the result, then roll back: nothing is kept. */
  validateOnly?: boolean | null;
  /** A retry with this key and the same arguments returns the first call's result. */
  idempotencyKey?: string | null;
}

/**
 * Stands in for a sealed column in a dry run's would-be row: a secret that would be set is
 * never sealed there, and the mappers only ever ask whether the column is null.
 */
export const NOT_SEALED_IN_DRY_RUN = 'not-sealed:dry-run';

/** The row as a write of `changes` at `toVersion` would store it (for `Change.preview`). */
export function wouldBeRow<Row extends VersionedRow>(
  row: Row,
  changes: { [K in keyof Row]?: unknown },
  toVersion: number,
): Row {
  return { ...row, ...changes, version: toVersion, updated_at: new Date() } as Row;
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
  /**
   * The operation's arguments as the caller gave them (absent fields left out), for telling
   * a retry with the same arguments from a reuse of its idempotency key with others.
   */
  arguments: object;
  /** Paths in `arguments` of secrets: compared by keyed hash, never stored. */
  secretArguments?: readonly (readonly string[])[];
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
  /**
   * Attaches the connection's own nested lists as they are now (read in the transaction),
   * for a result that is stored to be replayed later (an idempotent call): the replay then
   * shows them as they were right after the first call.
   */
  withOwnLists?(trx: Transaction<Database>, out: Out): Promise<Out>;
  /** The service's own rules, then the diff; a failure rolls everything back. */
  plan(trx: Transaction<Database>, row: Row, cmd: Cmd): Promise<Result<Change<Row, Out>>>;
}

/**
 * The one path every mutation takes, in the order docs/contract.md fixes:
 * credentials → input → membership → permission → licence → existence (row locked
 * `FOR UPDATE`) → `expectedVersion` → the service's rules → write only what changed,
 * bump `version`, write the audit event. All of it in one READ COMMITTED transaction that
 * commits only on success. A change that changes nothing writes nothing. With
 * `validateOnly` every step up to the diff runs the same (the row locked, every rule
 * checked), the success carries the would-be result, and the transaction rolls back.
 * With an `idempotencyKey` (and not `validateOnly`), the key is locked and looked up first
 * and every step then runs in the key's transaction, which records the result
 * (`src/services/idempotency.ts`).
 */
export async function runMutation<Row extends VersionedRow, Cmd, Out>(
  ctx: GatewayContext,
  def: MutationDefinition<Row, Cmd, Out>,
  options: MutationOptions = {},
): Promise<Result<MutationOutcome<Out>>> {
  const validateOnly = options.validateOnly === true;
  const principal = await ctx.principal();
  if (!principal) {
    return fail({ kind: 'Authentication', message: 'valid credentials are required' });
  }

  const key = options.idempotencyKey;
  if (key != null) {
    const keyErrors = idempotencyKeyErrors(key);
    if (keyErrors.length > 0) {
      const validated = def.validate();
      const inputErrors = 'fieldErrors' in validated ? validated.fieldErrors : [];
      return fail(invalidInput([...inputErrors, ...keyErrors]));
    }
    // A dry run keeps nothing, its key included: it neither replays nor records.
    if (!validateOnly) {
      return announced(
        ctx,
        await idempotent(ctx, principal, key, def, (trx) =>
          execute(ctx, def, principal, false, trx),
        ),
      );
    }
  }
  return announced(ctx, await execute(ctx, def, principal, validateOnly));
}

/**
 * `result`, once its transaction has committed; a change that wrote an audit event is announced
 * to the listening processes (`changesCommitted`: one coalesced `NOTIFY`, not waited for).
 */
function announced<Out>(
  ctx: GatewayContext,
  result: Result<MutationOutcome<Out>>,
): Result<MutationOutcome<Out>> {
  if (result.ok && !result.value.validateOnly && result.value.changedFields.length > 0)
    changesCommitted(ctx);
  return result;
}

/**
 * The steps after authentication. Without `keyTrx`, the checks that need no lock run first
 * and the rest in a transaction of its own; with it, everything runs in that transaction,
 * which the caller commits whatever the outcome (a failure is only ever returned before the
 * write, so there is nothing to undo).
 */
async function execute<Row extends VersionedRow, Cmd, Out>(
  ctx: GatewayContext,
  def: MutationDefinition<Row, Cmd, Out>,
  principal: Principal,
  validateOnly: boolean,
  keyTrx?: Transaction<Database>,
): Promise<Result<MutationOutcome<Out>>> {
  const validated = def.validate();
  if ('fieldErrors' in validated) return fail(invalidInput(validated.fieldErrors));
  const cmd = validated.command;

  let tenantIds: string[];
  const scope = def.scope;
  if ('tenantId' in scope) {
    if (!isMember(principal, scope.tenantId)) {
      return fail({ kind: 'Authentication', message: 'not a member of this tenant' });
    }
    const denied = await checkAccess(keyTrx ?? ctx.db, def, principal, scope.tenantId, cmd);
    if (denied) return fail(denied);
    tenantIds = [scope.tenantId];
  } else {
    tenantIds = [...principal.memberships.keys()];
    if (tenantIds.length === 0) return fail(notFound(def.resourceType, def.resourceId));
  }

  const done = (value: Out, changedFields: string[]) => ok({ value, changedFields, validateOnly });
  const steps = async (trx: Transaction<Database>): Promise<Result<MutationOutcome<Out>>> => {
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
    if (change.changes.length === 0) return done(change.output(row), []);
    const changedFields = change.changes.map((c) => c.field);

    const toVersion = row.version + 1;
    if (validateOnly) return done(await change.preview(trx, toVersion), changedFields);
    // From here on nothing returns a failure: a failure means nothing was written.
    const written = await change.write(trx, toVersion);
    await insertAuditEvent(trx, {
      id: randomUUID(),
      tenant_id: row.tenant_id,
      actor_id: principal.id,
      actor_kind: principal.kind,
      resource_type: def.resourceType,
      resource_id: row.id,
      operation: def.operation,
      changed_fields: changedFields,
      changes: JSON.stringify(change.changes),
      from_version: row.version,
      to_version: toVersion,
      request_id: ctx.requestId,
    });
    return done(change.output(written), changedFields);
  };
  if (keyTrx) {
    const result = await steps(keyTrx);
    if (!result.ok || !def.withOwnLists) return result;
    return ok({ ...result.value, value: await def.withOwnLists(keyTrx, result.value.value) });
  }
  // A dry run rolls back even its success: no write, no version, no audit event.
  return inTransaction(ctx.db, steps, { name: def.operation, rollback: validateOnly });
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
      return licenceRequired(def.entitlement);
    }
  }
  return null;
}
