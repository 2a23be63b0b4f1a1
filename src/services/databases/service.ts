import {
  activeJobIdsOfConnection,
  connectionNamedLike,
  getDatabaseConnection,
  isConnectionNameTaken,
  listDatabaseConnections,
  listDatabaseConnectionsWithParts,
  lockConnectionName,
  lockDatabaseConnection,
  updateDatabaseConnection,
  type DatabaseConnectionPageParts,
  type DatabaseConnectionUpdate,
} from '../../../db/queries/databases.js';
import type { DatabaseConnectionRow } from '../../../db/tables/databases.js';
import type { GatewayContext } from '../../context.js';
import { sealingContext } from '../../crypto/sealed-columns.js';
import type { SecretContext } from '../../crypto/secret-box.js';
import {
  conflict,
  fail,
  fieldChange,
  ok,
  secretFieldChange,
  type FieldChange,
  type Result,
  type MutationOutcome,
} from '../../shared/result.js';
import { isUuid } from '../../shared/validate.js';
import {
  CALLER_TENANTS,
  NOT_SEALED_IN_DRY_RUN,
  runMutation,
  wouldBeRow,
  type Change,
  type MutationOptions,
} from '../mutation.js';
import { readableTenants, tenantListPage, type Page } from '../read-access.js';
import {
  readStoredMetadata,
  readStoredSsl,
  READ_COLUMNS,
  toDatabaseConnection,
  type DatabaseConnection,
  type DatabaseJob,
  type StoredSsl,
} from './model.js';
import {
  PATCH_FIELD_NAMES,
  PATCH_FIELDS,
  STORED_SSL_PARTS,
  validatePatchDatabaseConnection,
  type SslPatch,
  type PatchDatabaseConnectionArgs,
  type PatchDatabaseConnectionCommand,
} from './rules.js';

export const DATABASE_CONNECTION = 'DatabaseConnection';

/** The sealing context of a connection's secret column (`SEALED_COLUMNS`). */
const secretContext = (
  row: DatabaseConnectionRow,
  column: 'password_enc' | 'ssl_client_key_enc',
): SecretContext =>
  sealingContext(`database_connections.${column}`, { tenantId: row.tenant_id, id: row.id });

/**
 * Applies a partial update to a database connection (PATCH: absent = unchanged, null =
 * cleared for optional fields). The connection is looked up in the caller's tenants only (the
 * mutation has no tenant argument), so another tenant's connection is a `NotFoundError` like
 * a random id; the caller needs `connections:write` in the connection's tenant.
 *
 * Under the row lock (`FOR UPDATE`, see the locking protocol in `db/queries/databases.ts`):
 * any QUEUED or RUNNING job refuses the patch (`ACTIVE_JOBS` with the job ids, even when the
 * patch would change nothing); a new name must be free in the tenant case-insensitively
 * (`NAME_TAKEN`, race-free through a per-name advisory lock, and a unique violation that
 * slips through is reported the same way). Secrets are sealed; one that equals the stored
 * one is no change. Changed field names (never values) go to the audit event.
 */
export async function patchDatabaseConnection(
  ctx: GatewayContext,
  args: PatchDatabaseConnectionArgs,
  options: MutationOptions = {},
): Promise<Result<MutationOutcome<DatabaseConnection>>> {
  try {
    return await runMutation(
      ctx,
      {
        resourceType: DATABASE_CONNECTION,
        operation: 'patchDatabaseConnection',
        resourceId: args.connectionId,
        scope: CALLER_TENANTS,
        arguments: args,
        secretArguments: [
          ['input', 'password'],
          ['input', 'ssl', 'clientKey'],
        ],
        permissions: ['connections:write'],
        validate: () => validatePatchDatabaseConnection(args),
        lock: (trx, tenantIds, cmd) => lockDatabaseConnection(trx, tenantIds, cmd.connectionId),
        expectedVersion: (cmd) => cmd.expectedVersion,
        plan: async (
          trx,
          row,
          cmd,
        ): Promise<Result<Change<DatabaseConnectionRow, DatabaseConnection>>> => {
          const activeJobIds = await activeJobIdsOfConnection(trx, row.tenant_id, row.id);
          if (activeJobIds.length > 0) {
            return fail(
              conflict(
                'ACTIVE_JOBS',
                `The connection is used by ${activeJobIds.length} queued or running job(s).`,
                { activeJobIds },
              ),
            );
          }
          if (cmd.name !== undefined && cmd.name !== row.name) {
            await lockConnectionName(trx, row.tenant_id, cmd.name);
            if (await connectionNamedLike(trx, row.tenant_id, cmd.name, row.id)) {
              return fail(nameTaken());
            }
          }
          const { changes, secrets, fieldChanges } = diff(ctx, row, cmd);
          return ok({
            changes: fieldChanges,
            write: (t, version) =>
              updateDatabaseConnection(t, row.tenant_id, row.id, {
                ...changes,
                ...sealSecrets(ctx, secrets),
                version,
              }),
            output: toDatabaseConnection,
            preview: async (_trx, version) =>
              toDatabaseConnection(
                wouldBeRow(row, { ...asStored(changes), ...unsealedSecrets(secrets) }, version),
              ),
          });
        },
      },
      options,
    );
  } catch (error) {
    // A writer that does not take the name lock (e.g. a direct insert) can still win the race;
    // the unique index then refuses our write. The transaction is already rolled back here.
    if (isConnectionNameTaken(error)) return fail(nameTaken());
    throw error;
  }
}

const nameTaken = () =>
  conflict('NAME_TAKEN', 'Another database connection of this tenant already has this name.');

/** A secret column's new value, in clear until it is written (and sealed) or previewed. */
type SecretColumns = Partial<
  Record<'password_enc' | 'ssl_client_key_enc', { value: string | null; context: SecretContext }>
>;

/** Seals the secrets a write stores (a dry run never calls this). */
function sealSecrets(ctx: GatewayContext, secrets: SecretColumns): DatabaseConnectionUpdate {
  const sealed: DatabaseConnectionUpdate = {};
  for (const [column, secret] of Object.entries(secrets) as [
    keyof SecretColumns,
    SecretColumns[keyof SecretColumns],
  ][]) {
    if (secret)
      sealed[column] =
        secret.value === null ? null : ctx.secrets.seal(secret.value, secret.context);
  }
  return sealed;
}

/** Changed columns as a read returns them (the JSON columns are written as JSON text). */
function asStored(changes: DatabaseConnectionUpdate): Partial<DatabaseConnectionRow> {
  const { ssl, metadata, updated_at: _written, ...columns } = changes;
  const parsed: Partial<DatabaseConnectionRow> = { ...columns };
  if (ssl !== undefined) parsed.ssl = typeof ssl === 'string' ? JSON.parse(ssl) : ssl;
  if (metadata !== undefined) {
    parsed.metadata = typeof metadata === 'string' ? JSON.parse(metadata) : metadata;
  }
  return parsed;
}

/** The secret columns of a would-be row: set or cleared, never sealed. */
function unsealedSecrets(secrets: SecretColumns): Partial<DatabaseConnectionRow> {
  const columns: Partial<DatabaseConnectionRow> = {};
  for (const [column, secret] of Object.entries(secrets) as [
    keyof SecretColumns,
    SecretColumns[keyof SecretColumns],
  ][]) {
    if (secret) columns[column] = secret.value === null ? null : NOT_SEALED_IN_DRY_RUN;
  }
  return columns;
}

/**
 * The columns a checked command changes, and their field names for the audit event, in the
 * input's field order. A secret is compared with the stored one (opened only to learn whether
 * a replacement differs) and handed back in clear, to be sealed only when written.
 */
function diff(
  ctx: GatewayContext,
  row: DatabaseConnectionRow,
  cmd: PatchDatabaseConnectionCommand,
): { changes: DatabaseConnectionUpdate; secrets: SecretColumns; fieldChanges: FieldChange[] } {
  const changes: DatabaseConnectionUpdate = {};
  const secrets: SecretColumns = {};
  const fieldChanges: FieldChange[] = [];

  for (const field of PATCH_FIELD_NAMES) {
    if (field === 'password') {
      const password = secretChange(
        ctx,
        row.password_enc,
        cmd.password,
        secretContext(row, 'password_enc'),
      );
      if (password) {
        secrets.password_enc = password;
        fieldChanges.push(secretFieldChange('password'));
      }
    } else if (field === 'ssl') {
      if (cmd.ssl !== undefined) sslChange(ctx, row, cmd.ssl, changes, secrets, fieldChanges);
    } else if (field === 'metadata') {
      const stored = cmd.metadata === undefined ? undefined : readStoredMetadata(row.metadata);
      if (stored && cmd.metadata && !sameMap(stored, cmd.metadata)) {
        changes.metadata = JSON.stringify(cmd.metadata);
        fieldChanges.push(fieldChange('metadata', stored, cmd.metadata));
      }
    } else {
      // A plain field: its column takes the checked value as it is (`PATCH_FIELDS`).
      const { column } = PATCH_FIELDS[field];
      const value = cmd[field];
      if (value !== undefined && value !== row[column]) {
        (changes as Record<typeof column, unknown>)[column] = value;
        fieldChanges.push(fieldChange(field, row[column], value));
      }
    }
  }
  return { changes, secrets, fieldChanges };
}

/**
 * The `ssl` part of the diff: the non-secret options merged part by part into the stored
 * JSON (`null` clears them all, the client key included), the client key as a secret. The
 * audit gets the non-secret parts and whether a client key is set, never the key.
 */
function sslChange(
  ctx: GatewayContext,
  row: DatabaseConnectionRow,
  patch: SslPatch | null,
  changes: DatabaseConnectionUpdate,
  secrets: SecretColumns,
  fieldChanges: FieldChange[],
): void {
  const stored = readStoredSsl(row.ssl);
  const next: StoredSsl = patch === null ? {} : { ...stored };
  if (patch !== null) {
    for (const part of STORED_SSL_PARTS) {
      const value = patch[part];
      if (value === null) delete next[part];
      else if (value !== undefined) (next as Record<string, unknown>)[part] = value;
    }
  }
  const key = secretChange(
    ctx,
    row.ssl_client_key_enc,
    patch === null ? null : patch.clientKey,
    secretContext(row, 'ssl_client_key_enc'),
  );
  if (!sameSsl(stored, next) || key) {
    changes.ssl = Object.keys(next).length > 0 ? JSON.stringify(canonicalSsl(next)) : null;
    if (key) secrets.ssl_client_key_enc = key;
    const hasClientKey = key ? key.value !== null : row.ssl_client_key_enc !== null;
    fieldChanges.push(
      fieldChange(
        'ssl',
        { ...canonicalSsl(stored), hasClientKey: row.ssl_client_key_enc !== null },
        { ...canonicalSsl(next), hasClientKey },
      ),
    );
  }
}

/**
 * What a tri-state secret input does to a sealed column: `undefined` (no change) when the
 * input is absent, clears an already empty secret, or equals the stored secret; otherwise
 * the new value in clear (or null to clear), with the context to seal it under.
 */
function secretChange(
  ctx: GatewayContext,
  sealed: string | null,
  next: string | null | undefined,
  context: SecretContext,
): { value: string | null; context: SecretContext } | undefined {
  if (next === undefined) return undefined;
  if (next === null) return sealed === null ? undefined : { value: null, context };
  if (sealed !== null && ctx.secrets.compare(sealed, next, context) === 'same') return undefined;
  return { value: next, context };
}

function canonicalSsl(ssl: StoredSsl): StoredSsl {
  const out: Record<string, unknown> = {};
  for (const part of STORED_SSL_PARTS) if (ssl[part] !== undefined) out[part] = ssl[part];
  return out as StoredSsl;
}

function sameSsl(a: StoredSsl, b: StoredSsl): boolean {
  return STORED_SSL_PARTS.every((part) => a[part] === b[part]);
}

function sameMap(a: Record<string, string>, b: Record<string, string>): boolean {
  const keys = Object.keys(a);
  return (
    keys.length === Object.keys(b).length &&
    keys.every((k) => Object.prototype.hasOwnProperty.call(b, k) && a[k] === b[k])
  );
}

/** One page of a tenant's database connections (needs `connections:read` there). */
export async function databaseConnectionPage(
  ctx: GatewayContext,
  tenantId: string,
  first: number | null | undefined,
  after: string | null | undefined,
  parts: DatabaseConnectionPageParts = {},
): Promise<Result<Page<DatabaseConnection>>> {
  return tenantListPage(
    ctx,
    { id: tenantId, path: ['tenantId'] },
    {
      scope: { list: 'databaseConnections', args: [tenantId] },
      first,
      after,
      list: async (page) => {
        if (!parts.activeJobs) return listDatabaseConnections(ctx.db, READ_COLUMNS, tenantId, page);
        const read = await listDatabaseConnectionsWithParts(
          ctx.db,
          READ_COLUMNS,
          tenantId,
          page,
          parts,
        );
        // Every connection of the page, so one without active jobs gets its empty list too.
        ctx.loaders.databaseActiveJobs.primeRows(
          tenantId,
          read.rows.map((row) => row.id),
          read.parts.activeJobs as never,
        );
        return read.rows;
      },
      toItem: toDatabaseConnection,
    },
  );
}

/**
 * One connection by id, looked up in the tenants where the caller holds `connections:read`;
 * null for a malformed id, a missing connection, or one of any other tenant.
 */
export async function databaseConnectionById(
  ctx: GatewayContext,
  connectionId: string,
): Promise<Result<DatabaseConnection | null>> {
  const tenants = await readableTenants(ctx);
  if (!tenants.ok) return tenants;
  if (!isUuid(connectionId)) return ok(null);
  const row = await getDatabaseConnection(
    ctx.db,
    READ_COLUMNS,
    tenants.value,
    connectionId.toLowerCase(),
  );
  return ok(row ? toDatabaseConnection(row) : null);
}

/**
 * The connection's QUEUED and RUNNING jobs, through the per-request loader (one batch): the
 * list itself when a page read it (or an earlier batch loaded it), else its promise.
 */
export function activeJobsOf(
  ctx: GatewayContext,
  connection: DatabaseConnection,
): DatabaseJob[] | Promise<DatabaseJob[]> {
  return ctx.loaders.databaseActiveJobs.get({ tenantId: connection.tenantId, id: connection.id });
}
