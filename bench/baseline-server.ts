/**
 * The bench's baseline: a bare `node:http` + `pg` server with no GraphQL, answering the same
 * requests as the gateway (the same JSON body and headers, routed by path instead of by the
 * GraphQL document) with the same JSON.
 *
 * - The mutations (`/oes`, `/db`) execute exactly the SQL statements the gateway executes for
 *   them, in the same order and in one transaction where the gateway uses one: the API-key
 *   lookup, the licence lookup (OES), the row lock, the job check and the name lock and check
 *   (database), the update of only the changed columns, the audit event. The bench checks at
 *   start that both execute the same statement texts, and reports it.
 * - The reads (`/read/org`, `/read/connectors`) produce the same JSON as the gateway's
 *   `orgConnections(first: 100)` / `connectorConnections(first: 100)` documents of the bench,
 *   with the fewest statements written by hand: the API-key lookup and ONE query that returns
 *   the page with its nested parts aggregated by PostgreSQL (`json_agg`), assembled in JS.
 *
 * Run: `node bench/.build/bench/baseline-server.js` (compiled by the bench) with `DATABASE_URL`
 * and `PORT` (0 = any free port); it prints `baseline ready at http://127.0.0.1:<port>/`.
 * Self-contained on purpose (node and `pg` only), so nothing of the gateway runs in it (it
 * takes only data from it: key formats, the tables' column lists).
 */
import { createHash, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { pathToFileURL } from 'node:url';
import pg from 'pg';
import { DATABASE_CONNECTION_COLUMNS } from '../db/tables/databases.js';
import { OES_CONNECTION_COLUMNS } from '../db/tables/oes.js';
import { parseSecretKeys } from '../src/config.js';
import { CursorSigner, type CursorScope } from '../src/crypto/cursor-signer.js';

const MAX_BODY_BYTES = 1024 * 1024;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const TENANT_ID = /^[a-z0-9][a-z0-9_-]{0,62}$/;
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;

// --- the statements (texts exactly as the gateway's Kysely queries compile) ---------------

/** The row columns the gateway's lock and update statements list (they never read `*`). */
const COLUMNS = {
  oes_connections: quoted(OES_CONNECTION_COLUMNS),
  database_connections: quoted(DATABASE_CONNECTION_COLUMNS),
};

function quoted(columns: readonly string[]): string {
  return columns.map((c) => `"${c}"`).join(', ');
}

const SQL = {
  apiKey:
    'select "k"."id", "k"."principal_id", "k"."expires_at", "k"."revoked_at", "m"."tenant_id", "m"."permissions" from "api_keys" as "k" left join "api_key_memberships" as "m" on "m"."api_key_id" = "k"."id" where "k"."key_hash" = $1',
  entitlements:
    'select "tenant_id", "entitlement" from "tenant_entitlements" where "tenant_id" = any($1)',
  begin: 'start transaction isolation level read committed',
  commit: 'commit',
  rollback: 'rollback',
  lockOes: `select ${COLUMNS.oes_connections} from "oes_connections" where "tenant_id" = $1 and "id" = $2 for update`,
  lockDatabase: `select ${COLUMNS.database_connections} from "database_connections" where "id" = $1 and "tenant_id" = any($2) for update`,
  activeJobs: `select "id" from "database_jobs" where "tenant_id" = $1 and "connection_id" = $2 and "status" in ('QUEUED', 'RUNNING') order by "id"`,
  nameLock: 'select pg_advisory_xact_lock(hashtextextended($1 || lower($2), 0))',
  nameTaken:
    'select "id" from "database_connections" where "tenant_id" = $1 and lower("name") = lower($2) and "id" != $3',
  update: (table: keyof typeof COLUMNS, columns: string[]) =>
    `update "${table}" set ${[...columns, 'updated_at'].map((c, i) => `"${c}" = $${i + 1}`).join(', ')} where "tenant_id" = $${columns.length + 2} and "id" = $${columns.length + 3} returning ${COLUMNS[table]}`,
  audit:
    'insert into "audit_events" ("id", "tenant_id", "actor_id", "actor_kind", "resource_type", "resource_id", "operation", "changed_fields", "changes", "from_version", "to_version", "request_id") values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)',

  /** The org connections page with App (and its auth configs) and boards, in one statement. */
  orgPage: `
    select c.id, c.tenant_id, c.name, c.credential_id, c.api_key_enc is not null as has_api_key, c.version,
           c.created_at, c.updated_at, a.id as app_id, a.name as app_name, a.deleted_at as app_deleted_at,
           (select coalesce(json_agg(json_build_object('type', ac.type, 'isValid', ac.is_valid) order by ac.position, ac.id), '[]')
              from app_auth_configs ac where ac.tenant_id = a.tenant_id and ac.app_id = a.id) as app_configs,
           (select coalesce(json_agg(json_build_object('id', b.id, 'name', b.name) order by b.name, b.id), '[]')
              from board_connections bc join boards b on b.tenant_id = bc.tenant_id and b.id = bc.board_id
             where bc.tenant_id = c.tenant_id and bc.connection_id = c.id) as boards
      from org_connections c
      join apps a on a.tenant_id = c.tenant_id and a.id = c.app_id
     where c.tenant_id = $1
     order by c.created_at, c.id
     limit $2`,

  /**
   * The connector connections page with connector, credential slots (config, credential and
   * the credential's usages with their connectors) and variables, in one statement.
   */
  connectorPage: `
    select cc.id, cc.name, cc.version, cc.created_at, cc.updated_at,
           k.id as connector_id, k.name as connector_name, k.protocol as connector_protocol,
           (select coalesce(json_agg(json_build_object(
                     'id', s.id, 'kind', s.kind,
                     'configId', cfg.id, 'schemeType', cfg.scheme_type, 'description', cfg.description,
                     'credentialId', cr.id, 'type', cr.type, 'name', cr.name, 'errors', cr.errors, 'expiresAt', cr.expires_at,
                     'usages', (select coalesce(json_agg(json_build_object('id', u.id, 'name', u.name, 'connectorId', uk.id, 'connectorName', uk.name)
                                                         order by u.created_at, u.id), '[]')
                                  from (select distinct conn.id, conn.tenant_id, conn.connector_id, conn.name, conn.created_at
                                          from connection_credentials x
                                          join connector_connections conn on conn.tenant_id = x.tenant_id and conn.id = x.connection_id
                                         where x.tenant_id = s.tenant_id and x.credential_id = s.credential_id) u
                                  join connectors uk on uk.tenant_id = u.tenant_id and uk.id = u.connector_id))
                     order by s.kind, s.position, s.id), '[]')
              from connection_credentials s
              join auth_scheme_configs cfg on cfg.tenant_id = s.tenant_id and cfg.id = s.auth_scheme_config_id
              join credentials cr on cr.tenant_id = s.tenant_id and cr.id = s.credential_id
             where s.tenant_id = cc.tenant_id and s.connection_id = cc.id) as slots,
           (select coalesce(json_agg(json_build_object('name', v.name, 'value', v.value) order by v.position, v.name), '[]')
              from connection_variables v where v.tenant_id = cc.tenant_id and v.connection_id = cc.id) as variables
      from connector_connections cc
      join connectors k on k.tenant_id = cc.tenant_id and k.id = cc.connector_id
     where cc.tenant_id = $1
     order by cc.created_at, cc.id
     limit $2`,
};

// --- the handler ----------------------------------------------------------------------------

export interface BaselineResponse {
  status: number;
  body: string;
}

interface Principal {
  id: string;
  memberships: Map<string, string[]>;
}

type Json = Record<string, unknown>;

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const data = (field: string, value: unknown) => JSON.stringify({ data: { [field]: value } });
const failure = (field: string, typename: string, code: string, message: string) =>
  data(field, { __typename: typename, code, message });

export interface Baseline {
  /** Answers one request: `path` routes it, `body` is the raw JSON body. */
  handle(path: string, authorization: string | undefined, body: string): Promise<BaselineResponse>;
}

export function createBaseline(pool: pg.Pool, secretKeys: { id: string; key: Buffer }[]): Baseline {
  // Page cursors are signed like the gateway's (the same code: a cursor is part of the answer).
  const cursors = new CursorSigner(secretKeys);
  async function authenticate(authorization: string | undefined): Promise<Principal | null> {
    const match = authorization ? /^Bearer\s+(\S+)\s*$/i.exec(authorization) : null;
    if (!match || match[1].length > 512) return null;
    const hash = createHash('sha256').update(match[1], 'utf8').digest('hex');
    const { rows } = await pool.query(SQL.apiKey, [hash]);
    if (rows.length === 0) return null;
    const key = rows[0];
    if (key.revoked_at || (key.expires_at && key.expires_at <= new Date())) return null;
    const memberships = new Map<string, string[]>();
    for (const r of rows)
      if (r.tenant_id !== null) memberships.set(r.tenant_id, r.permissions ?? []);
    return { id: key.principal_id, memberships };
  }

  const can = (p: Principal, tenantId: string, permission: string) =>
    p.memberships.get(tenantId)?.includes(permission) ?? false;

  /** Runs `fn` in a READ COMMITTED transaction on one client; commits only when it returns true. */
  async function transaction<T>(
    fn: (client: pg.PoolClient) => Promise<{ commit: boolean; value: T }>,
  ): Promise<T> {
    const client = await pool.connect();
    try {
      await client.query(SQL.begin);
      const outcome = await fn(client);
      await client.query(outcome.commit ? SQL.commit : SQL.rollback);
      return outcome.value;
    } catch (error) {
      await client.query(SQL.rollback).catch(() => {});
      throw error;
    } finally {
      client.release();
    }
  }

  const audit = (
    client: pg.PoolClient,
    p: Principal,
    row: { tenant_id: string; id: string; version: number },
    resourceType: string,
    operation: string,
    changes: { field: string; from: unknown; to: unknown }[],
    requestId: string,
  ) =>
    client.query(SQL.audit, [
      randomUUID(),
      row.tenant_id,
      p.id,
      'api_key',
      resourceType,
      row.id,
      operation,
      changes.map((c) => c.field),
      // Each changed field's old and new value, as the gateway's audit event records them.
      JSON.stringify(changes.map((c) => ({ ...c, secret: false }))),
      row.version,
      row.version + 1,
      requestId,
    ]);

  function checkName(value: unknown, min: number, max: number): string | null {
    if (typeof value !== 'string') return null;
    const name = value.trim();
    return name.length >= min && name.length <= max && !CONTROL.test(name) ? name : null;
  }

  /** `updateOesConnection`: licence lookup, then lock, diff, update, audit in one transaction. */
  async function updateOes(p: Principal | null, vars: Json, requestId: string): Promise<string> {
    const field = 'updateOesConnection';
    if (!p)
      return failure(
        field,
        'AuthenticationError',
        'UNAUTHENTICATED',
        'valid credentials are required',
      );
    const tenantId = vars.enterpriseId;
    const connectionId = vars.connectionId;
    const input = (vars.input ?? {}) as Json;
    if (
      typeof tenantId !== 'string' ||
      !TENANT_ID.test(tenantId) ||
      typeof connectionId !== 'string' ||
      !UUID.test(connectionId)
    ) {
      return failure(field, 'InvalidInputError', 'INVALID_INPUT', 'invalid id');
    }
    let name: string | undefined;
    if (input.name !== undefined) {
      name = checkName(input.name, 1, 200) ?? undefined;
      if (name === undefined)
        return failure(field, 'InvalidInputError', 'INVALID_INPUT', 'invalid name');
    }
    if (input.active !== undefined && typeof input.active !== 'boolean') {
      return failure(field, 'InvalidInputError', 'INVALID_INPUT', 'invalid active');
    }
    const active = input.active as boolean | undefined;
    if (name === undefined && active === undefined)
      return failure(field, 'InvalidInputError', 'INVALID_INPUT', 'nothing to update');
    if (!p.memberships.has(tenantId))
      return failure(
        field,
        'AuthenticationError',
        'UNAUTHENTICATED',
        'not a member of this tenant',
      );
    if (!can(p, tenantId, 'connections:write'))
      return failure(field, 'PermissionDeniedError', 'PERMISSION_DENIED', 'permission denied');
    const entitlements = await pool.query(SQL.entitlements, [[tenantId]]);
    if (!entitlements.rows.some((r) => r.entitlement === 'oes')) {
      return failure(field, 'PermissionDeniedError', 'LICENSE_REQUIRED', 'licence required');
    }
    return transaction(async (client) => {
      const locked = await client.query(SQL.lockOes, [tenantId, connectionId.toLowerCase()]);
      const row = locked.rows[0];
      if (!row)
        return { commit: false, value: failure(field, 'NotFoundError', 'NOT_FOUND', 'not found') };
      if (typeof input.expectedVersion === 'number' && input.expectedVersion !== row.version) {
        return {
          commit: false,
          value: failure(field, 'ConflictError', 'CONFLICT', 'version mismatch'),
        };
      }
      const columns: string[] = [];
      const values: unknown[] = [];
      if (name !== undefined && name !== row.name) (columns.push('name'), values.push(name));
      if (active !== undefined && active !== row.active)
        (columns.push('active'), values.push(active));
      let out = row;
      if (columns.length > 0) {
        const changed = columns.map((column, i) => ({
          field: column,
          from: (row as Record<string, unknown>)[column],
          to: values[i],
        }));
        columns.push('version');
        values.push(row.version + 1);
        const updated = await client.query(SQL.update('oes_connections', columns), [
          ...values,
          new Date(),
          row.tenant_id,
          row.id,
        ]);
        out = updated.rows[0];
        await audit(client, p, row, 'OesConnection', 'updateOesConnection', changed, requestId);
      }
      const connection = {
        id: out.id,
        name: out.name,
        active: out.active,
        version: out.version,
        updatedAt: out.updated_at.toISOString(),
      };
      return {
        commit: true,
        value: data(field, { __typename: 'UpdateOesConnectionSuccess', connection }),
      };
    });
  }

  /** The plain columns `patchDatabaseConnection` can change here, in the gateway's diff order. */
  const DATABASE_FIELDS: [field: string, column: string][] = [
    ['name', 'name'],
    ['host', 'host'],
    ['port', 'port'],
    ['databaseName', 'database_name'],
    ['username', 'username'],
  ];

  /** `patchDatabaseConnection`: lock, job check, name lock and check, update, audit in one transaction. */
  async function patchDatabase(
    p: Principal | null,
    vars: Json,
    requestId: string,
  ): Promise<string> {
    const field = 'patchDatabaseConnection';
    if (!p)
      return failure(
        field,
        'AuthenticationError',
        'UNAUTHENTICATED',
        'valid credentials are required',
      );
    const connectionId = vars.connectionId;
    const input = (vars.input ?? {}) as Json;
    if (typeof connectionId !== 'string' || !UUID.test(connectionId))
      return failure(field, 'InvalidInputError', 'INVALID_INPUT', 'invalid id');
    const supported = new Set(DATABASE_FIELDS.map(([f]) => f));
    if (Object.keys(input).some((k) => k !== 'expectedVersion' && !supported.has(k))) {
      throw new HttpError(
        400,
        'the baseline supports only name, host, port, databaseName and username',
      );
    }
    if (input.name !== undefined) {
      const name = checkName(input.name, 3, 100);
      if (name === null)
        return failure(field, 'InvalidInputError', 'INVALID_INPUT', 'invalid name');
      input.name = name;
    }
    if (
      input.port !== undefined &&
      (!Number.isInteger(input.port) ||
        (input.port as number) < 1 ||
        (input.port as number) > 65535)
    ) {
      return failure(field, 'InvalidInputError', 'INVALID_INPUT', 'invalid port');
    }
    const tenantIds = [...p.memberships.keys()];
    if (tenantIds.length === 0) return failure(field, 'NotFoundError', 'NOT_FOUND', 'not found');
    return transaction(async (client) => {
      const locked = await client.query(SQL.lockDatabase, [connectionId.toLowerCase(), tenantIds]);
      const row = locked.rows[0];
      if (!row)
        return { commit: false, value: failure(field, 'NotFoundError', 'NOT_FOUND', 'not found') };
      if (!can(p, row.tenant_id, 'connections:write')) {
        return {
          commit: false,
          value: failure(field, 'PermissionDeniedError', 'PERMISSION_DENIED', 'permission denied'),
        };
      }
      if (typeof input.expectedVersion === 'number' && input.expectedVersion !== row.version) {
        return {
          commit: false,
          value: failure(field, 'ConflictError', 'CONFLICT', 'version mismatch'),
        };
      }
      const jobs = await client.query(SQL.activeJobs, [row.tenant_id, row.id]);
      if (jobs.rows.length > 0)
        return { commit: false, value: failure(field, 'ConflictError', 'CONFLICT', 'active jobs') };
      if (input.name !== undefined && input.name !== row.name) {
        await client.query(SQL.nameLock, [
          `database_connections.name:${row.tenant_id}:`,
          input.name,
        ]);
        const taken = await client.query(SQL.nameTaken, [row.tenant_id, input.name, row.id]);
        if (taken.rows.length > 0)
          return {
            commit: false,
            value: failure(field, 'ConflictError', 'CONFLICT', 'name taken'),
          };
      }
      const columns: string[] = [];
      const values: unknown[] = [];
      const changed: { field: string; from: unknown; to: unknown }[] = [];
      for (const [f, column] of DATABASE_FIELDS) {
        if (input[f] !== undefined && input[f] !== row[column]) {
          columns.push(column);
          values.push(input[f]);
          changed.push({ field: f, from: row[column], to: input[f] });
        }
      }
      let out = row;
      if (columns.length > 0) {
        columns.push('version');
        values.push(row.version + 1);
        const updated = await client.query(SQL.update('database_connections', columns), [
          ...values,
          new Date(),
          row.tenant_id,
          row.id,
        ]);
        out = updated.rows[0];
        await audit(
          client,
          p,
          row,
          'DatabaseConnection',
          'patchDatabaseConnection',
          changed,
          requestId,
        );
      }
      const connection = {
        id: out.id,
        name: out.name,
        port: out.port,
        version: out.version,
        updatedAt: out.updated_at.toISOString(),
      };
      return {
        commit: true,
        value: data(field, { __typename: 'PatchDatabaseConnectionSuccess', connection }),
      };
    });
  }

  /** Read access and `first` as the gateway checks them (top-level errors, HTTP 200 as Apollo). */
  function readAccess(
    p: Principal | null,
    tenantId: unknown,
    first: unknown,
  ): { tenantId: string; first: number } | string {
    const error = (message: string, code: string) =>
      JSON.stringify({ errors: [{ message, extensions: { code } }], data: null });
    if (!p) return error('valid credentials are required', 'UNAUTHENTICATED');
    if (typeof tenantId !== 'string' || !TENANT_ID.test(tenantId))
      return error('invalid tenant id', 'BAD_USER_INPUT');
    if (!can(p, tenantId, 'connections:read')) return error('forbidden', 'FORBIDDEN');
    const size = first ?? 50;
    if (typeof size !== 'number' || !Number.isInteger(size) || size < 1 || size > 100)
      return error('first out of range', 'BAD_USER_INPUT');
    return { tenantId, first: size };
  }

  const pageInfo = <Row extends { created_at: Date; id: string }>(
    rows: Row[],
    first: number,
    scope: CursorScope,
  ) => {
    const hasNextPage = rows.length > first;
    const items = hasNextPage ? rows.slice(0, first) : rows;
    const last = items.at(-1);
    return {
      items,
      pageInfo: {
        endCursor: last ? cursors.sign(scope, { createdAt: last.created_at, id: last.id }) : null,
        hasNextPage,
      },
    };
  };

  async function readOrg(p: Principal | null, vars: Json): Promise<string> {
    const access = readAccess(p, vars.organisationId, vars.first);
    if (typeof access === 'string') return access;
    const { rows } = await pool.query(SQL.orgPage, [access.tenantId, access.first + 1]);
    const page = pageInfo(rows, access.first, { list: 'orgConnections', args: [access.tenantId] });
    const items = page.items.map((r) => ({
      id: r.id,
      orgId: r.tenant_id,
      name: r.name,
      credentialId: r.credential_id,
      hasApiKey: r.has_api_key,
      version: r.version,
      createdAt: r.created_at.toISOString(),
      updatedAt: r.updated_at.toISOString(),
      app: {
        id: r.app_id,
        name: r.app_name,
        deletedAt: r.app_deleted_at ? r.app_deleted_at.toISOString() : null,
        supportedAuthConfigs: r.app_configs,
      },
      usedByBoards: r.boards,
    }));
    return data('orgConnections', { items, pageInfo: page.pageInfo });
  }

  async function readConnectors(p: Principal | null, vars: Json): Promise<string> {
    const access = readAccess(p, vars.organisationId, vars.first);
    if (typeof access === 'string') return access;
    const { rows } = await pool.query(SQL.connectorPage, [access.tenantId, access.first + 1]);
    const connector = typeof vars.connectorId === 'string' ? vars.connectorId.toLowerCase() : null;
    const page = pageInfo(rows, access.first, {
      list: 'connectorConnections',
      args: [access.tenantId, connector],
    });
    const now = new Date();
    const items = page.items.map((r) => {
      const action: unknown[] = [];
      const trigger: unknown[] = [];
      for (const s of r.slots as Json[]) {
        const expiresAt = s.expiresAt ? new Date(s.expiresAt as string) : null;
        const slot = {
          id: s.id,
          authSchemeConfig: {
            id: s.configId,
            schemeType: s.schemeType,
            description: s.description,
            validationMessages: validationMessages(
              s.schemeType as string,
              s.type as string,
              s.errors as string[],
              expiresAt,
              now,
            ),
          },
          credential: {
            id: s.credentialId,
            type: s.type,
            name: s.name,
            errors: s.errors,
            expiresAt: expiresAt ? expiresAt.toISOString() : null,
            usages: (s.usages as Json[]).map((u) => ({
              connection: {
                id: u.id,
                name: u.name,
                connector: { id: u.connectorId, name: u.connectorName },
              },
            })),
          },
        };
        (s.kind === 'action' ? action : trigger).push(slot);
      }
      return {
        id: r.id,
        name: r.name,
        version: r.version,
        createdAt: r.created_at.toISOString(),
        updatedAt: r.updated_at.toISOString(),
        connector: { id: r.connector_id, name: r.connector_name, protocol: r.connector_protocol },
        credentials: { action, trigger },
        variables: r.variables,
      };
    });
    return data('connectorConnections', { items, pageInfo: page.pageInfo });
  }

  return {
    async handle(path, authorization, rawBody) {
      const requestId = randomUUID();
      let body: Json;
      try {
        body = JSON.parse(rawBody) as Json;
      } catch {
        return {
          status: 400,
          body: JSON.stringify({ errors: [{ message: 'Request body is not valid JSON.' }] }),
        };
      }
      const vars = (body.variables ?? {}) as Json;
      try {
        const principal = await authenticate(authorization);
        switch (path) {
          case '/oes':
            return { status: 200, body: await updateOes(principal, vars, requestId) };
          case '/db':
            return { status: 200, body: await patchDatabase(principal, vars, requestId) };
          case '/read/org':
            return { status: 200, body: await readOrg(principal, vars) };
          case '/read/connectors':
            return { status: 200, body: await readConnectors(principal, vars) };
          default:
            return { status: 404, body: JSON.stringify({ error: 'not found' }) };
        }
      } catch (error) {
        if (error instanceof HttpError)
          return {
            status: error.status,
            body: JSON.stringify({ errors: [{ message: error.message }] }),
          };
        console.error('baseline request failed:', error);
        return {
          status: 500,
          body: JSON.stringify({
            errors: [{ message: 'Internal server error', extensions: { requestId } }],
          }),
        };
      }
    },
  };
}

/** The gateway's rule (src/services/connectors/validation-messages.ts), restated. */
function validationMessages(
  schemeType: string,
  type: string,
  errors: string[],
  expiresAt: Date | null,
  now: Date,
) {
  const messages: { text: string; severity: string; detail: string[] }[] = [];
  if (type !== schemeType) {
    messages.push({
      text: 'credential type does not match the scheme',
      severity: 'ERROR',
      detail: [`credential type: ${type}`, `scheme type: ${schemeType}`],
    });
  }
  if (expiresAt) {
    const left = expiresAt.getTime() - now.getTime();
    if (left <= 0) {
      messages.push({
        text: 'credential has expired',
        severity: 'ERROR',
        detail: [`expired at ${expiresAt.toISOString()}`],
      });
    } else if (left <= 7 * 24 * 60 * 60 * 1000) {
      messages.push({
        text: 'credential expires within 7 days',
        severity: 'WARNING',
        detail: [`expires at ${expiresAt.toISOString()}`],
      });
    }
  }
  if (errors.length > 0)
    messages.push({ text: 'credential has errors', severity: 'WARNING', detail: [...errors] });
  return messages;
}

// --- the server -----------------------------------------------------------------------------

function readBody(req: IncomingMessage): Promise<string | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    req.on('end', () =>
      resolve(size > MAX_BODY_BYTES ? null : Buffer.concat(chunks).toString('utf8')),
    );
    req.on('error', reject);
  });
}

async function main(): Promise<void> {
  const databaseUrl = process.env.DATABASE_URL;
  if (!databaseUrl) {
    console.error('DATABASE_URL is required');
    process.exit(2);
  }
  // The same pool settings as the gateway's (db/connect.ts, with its defaults).
  const pool = new pg.Pool({
    connectionString: databaseUrl,
    max: Number(process.env.DB_POOL_SIZE ?? 10),
    connectionTimeoutMillis: 5_000,
    idleTimeoutMillis: 30_000,
    options: '-c statement_timeout=10000 -c lock_timeout=3000',
  });
  pool.on('error', (error) => console.error('pool error:', error.message));
  const secretKeys = parseSecretKeys(process.env.SECRETS_KEY ?? '');
  if (typeof secretKeys === 'string') throw new Error(secretKeys);
  const baseline = createBaseline(pool, secretKeys);

  const server = createServer(async (req: IncomingMessage, res: ServerResponse) => {
    res.setHeader('x-request-id', randomUUID());
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/healthz') {
      res.setHeader('content-type', 'application/json; charset=utf-8');
      res.end('{"status":"ok"}');
      return;
    }
    if (req.method !== 'POST') {
      res.statusCode = 405;
      res.end();
      return;
    }
    const body = await readBody(req);
    const answer =
      body === null
        ? { status: 413, body: '{"errors":[{"message":"too large"}]}' }
        : await baseline.handle(path, req.headers.authorization, body);
    res.statusCode = answer.status;
    res.setHeader('content-type', 'application/json; charset=utf-8');
    res.end(answer.body);
  });
  const port = Number(process.env.PORT ?? 0);
  const host = process.env.HOST ?? '127.0.0.1';
  await new Promise<void>((resolve) => server.listen(port, host, resolve));
  const address = server.address();
  console.log(
    `baseline ready at http://${host}:${typeof address === 'object' && address ? address.port : port}/`,
  );
  const stop = () => {
    server.close();
    server.closeAllConnections();
    void pool.end().finally(() => process.exit(0));
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error) => {
    console.error('baseline failed to start:', error);
    process.exit(1);
  });
}
