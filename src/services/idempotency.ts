import { createHash } from 'node:crypto';
import {
  deleteExpiredIdempotencyKeys,
  findIdempotencyKey,
  lockIdempotencyKey,
  saveIdempotencyKey,
} from '../../db/queries/idempotency.js';
import { inTransaction } from '../../db/transaction.js';
import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../../db/database.js';
import type { Principal } from '../auth/principal.js';
import type { GatewayContext } from '../context.js';
import type { Logger } from '../logger.js';
import type { SecretBox } from '../crypto/secret-box.js';
import { conflict, fail, ok, type FieldError, type Result } from '../shared/result.js';
import type { MutationOutcome } from '../shared/result.js';

/** How long a key is kept: a retry within this time replays the first result. */
export const IDEMPOTENCY_KEY_TTL_MS = 24 * 60 * 60 * 1000;

const KEY_PATTERN = /^[A-Za-z0-9._:-]*$/;

/** The rules of an `idempotencyKey`: 1–255 characters of `A–Z a–z 0–9 . _ : -`. */
export function idempotencyKeyErrors(key: string): FieldError[] {
  const error = (code: string, message: string): FieldError[] => [
    { path: ['idempotencyKey'], code, message },
  ];
  if (key.length === 0) return error('TOO_SHORT', 'must not be empty');
  if (key.length > 255) return error('TOO_LONG', 'must be at most 255 characters');
  if (!KEY_PATTERN.test(key)) {
    return error('INVALID_VALUE', 'may only hold the characters A-Z a-z 0-9 . _ : -');
  }
  return [];
}

/** What identifies "the same call": the operation, its arguments, and which of them are secrets. */
export interface IdempotentOperation {
  operation: string;
  scope: { tenantId: string } | { callerTenants: true };
  arguments: object;
  secretArguments?: readonly (readonly string[])[];
}

/**
 * Runs `run` at most once per (principal, key): in one transaction that first takes the key's
 * advisory lock (a concurrent call with the key waits there, in this process or another),
 * then looks the key up. A record of the same operation and arguments is the answer (nothing
 * runs); one of other arguments or another operation is `IDEMPOTENCY_KEY_REUSED`. Otherwise
 * `run` runs in this transaction and its result (success or typed error) is recorded in it,
 * so the change and its record commit together or not at all.
 */
export async function idempotent<Out>(
  ctx: GatewayContext,
  principal: Principal,
  key: string,
  op: IdempotentOperation,
  run: (trx: Transaction<Database>) => Promise<Result<MutationOutcome<Out>>>,
): Promise<Result<MutationOutcome<Out>>> {
  const hash = requestHash(ctx.secrets, op, principal);
  const outcome = await inTransaction(ctx.db, async (trx) => {
    await lockIdempotencyKey(trx, principal.id, key);
    const found = await findIdempotencyKey(trx, principal.id, key);
    if (found) {
      if (found.operation !== op.operation || found.request_hash !== hash) {
        return ok(
          fail<MutationOutcome<Out>>(
            conflict(
              'IDEMPOTENCY_KEY_REUSED',
              'This idempotency key was used with other arguments or another operation.',
            ),
          ),
        );
      }
      return ok(restoreResult<Out>(found.result));
    }
    const result = await run(trx);
    // An AuthenticationError (e.g. not a member of the tenant) is never recorded: a retry with
    // other credentials runs again.
    if (!result.ok && result.error.kind === 'Authentication') return ok(result);
    await saveIdempotencyKey(trx, {
      principal_id: principal.id,
      key,
      operation: op.operation,
      request_hash: hash,
      tenant_id: 'tenantId' in op.scope ? op.scope.tenantId : null,
      result: storedResult(result),
      expires_at: new Date(Date.now() + IDEMPOTENCY_KEY_TTL_MS),
    });
    return ok(result);
  });
  if (!outcome.ok) throw new Error('an idempotent call rolled back its own record');
  return outcome.value;
}

/**
 * SHA-256 of the canonical form of the arguments: object keys sorted (so the key order of a
 * `metadata` map does not matter), absent fields left out, each secret replaced by its keyed
 * hash (`SecretBox.fingerprint`), so the stored hash never depends on a secret in clear.
 *
 * The caller's rights are part of "the same call" too: a principal can hold several API keys
 * with different rights (and a JWT's rights change with its claims), and a replay runs none of
 * the access checks. With the rights in the hash, a key of the same principal that may not
 * make this call (another key, or this one after its rights changed) gets
 * `IDEMPOTENCY_KEY_REUSED` instead of the first call's result; a retry with the same rights
 * (a refreshed JWT, the same key) replays as before.
 */
export function requestHash(
  secrets: SecretBox,
  op: IdempotentOperation,
  principal: Pick<Principal, 'memberships'>,
): string {
  const secretPaths = new Set((op.secretArguments ?? []).map((path) => path.join('\u0000')));
  const canonical = (value: unknown, path: string[]): unknown => {
    if (typeof value === 'string' && secretPaths.has(path.join('\u0000'))) {
      return { secret: secrets.fingerprint(value) };
    }
    if (Array.isArray(value)) return value.map((item, i) => canonical(item, [...path, `${i}`]));
    if (typeof value === 'object' && value !== null) {
      const out: Record<string, unknown> = {};
      for (const k of Object.keys(value).sort()) {
        const v = (value as Record<string, unknown>)[k];
        if (v !== undefined) out[k] = canonical(v, [...path, k]);
      }
      return out;
    }
    return value;
  };
  const rights = [...principal.memberships]
    .map(([tenantId, permissions]) => [tenantId, [...permissions].sort()] as const)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return createHash('sha256')
    .update(JSON.stringify({ arguments: canonical(op.arguments, []), rights }))
    .digest('base64url');
}

/** A `Date` inside a stored result (JSON has none): `{ "$cgwDate": "<ISO>" }`. */
const DATE_TAG = '$cgwDate';
/** Wraps a plain object that would read as a tagged date (a user's map with that one key). */
const OBJECT_TAG = '$cgwObject';
const looksTagged = (value: unknown): boolean => {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const keys = Object.keys(value);
  return keys.length === 1 && (keys[0] === DATE_TAG || keys[0] === OBJECT_TAG);
};

/** The JSON text of a result, dates tagged so they come back as dates. */
function storedResult(result: Result<MutationOutcome<unknown>>): string {
  const stored = result.ok
    ? { ok: true, value: result.value.value, changedFields: result.value.changedFields }
    : { ok: false, error: result.error };
  return JSON.stringify(stored, function (this: Record<string, unknown>, key, value) {
    const raw = this[key];
    if (raw instanceof Date) return { [DATE_TAG]: raw.toISOString() };
    return key !== OBJECT_TAG && looksTagged(value) ? { [OBJECT_TAG]: value } : value;
  });
}

/** The first call's result from its record (the driver has parsed the JSON). */
function restoreResult<Out>(json: unknown): Result<MutationOutcome<Out>> {
  const stored = reviveDates(json) as
    | { ok: true; value: Out; changedFields: string[] }
    | { ok: false; error: Parameters<typeof fail>[0] };
  if (!stored.ok) return fail(stored.error);
  return ok({ value: stored.value, changedFields: stored.changedFields, validateOnly: false });
}

function reviveDates(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(reviveDates);
  if (typeof value !== 'object' || value === null) return value;
  const entries = Object.entries(value);
  if (entries.length === 1 && entries[0][0] === DATE_TAG) return new Date(entries[0][1] as string);
  if (entries.length === 1 && entries[0][0] === OBJECT_TAG) {
    const wrapped = entries[0][1] as Record<string, unknown>;
    return Object.fromEntries(Object.entries(wrapped).map(([k, v]) => [k, reviveDates(v)]));
  }
  return Object.fromEntries(entries.map(([k, v]) => [k, reviveDates(v)]));
}

/**
 * Deletes expired keys in batches until none is left; returns how many it deleted. Each
 * batch skips rows a request holds (`for update skip locked`), so it never waits for one.
 */
export async function deleteExpiredKeys(db: Kysely<Database>, batch = 1000): Promise<number> {
  let total = 0;
  for (;;) {
    const deleted = await deleteExpiredIdempotencyKeys(db, batch);
    total += deleted;
    if (deleted < batch) return total;
  }
}

/**
 * Runs `deleteExpiredKeys` every `intervalMs` in the background (the timer does not keep the
 * process alive; a failure is logged and the next run tries again). Returns the stop function.
 */
export function startIdempotencyCleanup(
  db: Kysely<Database>,
  logger: Logger,
  intervalMs = 10 * 60 * 1000,
): () => void {
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    deleteExpiredKeys(db)
      .then((deleted) => {
        if (deleted > 0) logger.info({ deleted }, 'expired idempotency keys deleted');
      })
      .catch((err: unknown) => logger.warn({ err }, 'idempotency key cleanup failed'))
      .finally(() => {
        running = false;
      });
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
