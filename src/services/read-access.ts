import type { PageRequest } from '../../db/queries/pagination.js';
import { hasPermission, tenantsWith } from '../auth/principal.js';
import type { GatewayContext } from '../context.js';
import type { CursorScope } from '../crypto/cursor-signer.js';
import {
  fail,
  invalidInput,
  licenceRequired,
  ok,
  type FieldError,
  type Result,
} from '../shared/result.js';
import { checkTenantId } from '../shared/validate.js';

/**
 * Read access to one named tenant: signed in, a member with `connections:read`, and the
 * licence when the service needs one. Queries report these failures as top-level errors.
 */
export async function authorizeTenantRead(
  ctx: GatewayContext,
  tenantId: string,
  path: string[],
  entitlement?: string,
): Promise<Result<string>> {
  const principal = await ctx.principal();
  if (!principal)
    return fail({ kind: 'Authentication', message: 'valid credentials are required' });
  const errors: FieldError[] = [];
  checkTenantId(path, tenantId, errors);
  if (errors.length > 0) return fail(invalidInput(errors));
  if (!hasPermission(principal, tenantId, ['connections:read'])) {
    return fail({
      kind: 'PermissionDenied',
      code: 'PERMISSION_DENIED',
      requiredPermissions: ['connections:read'],
    });
  }
  if (entitlement && !(await ctx.loaders.entitlements.load(tenantId)).includes(entitlement)) {
    return fail(licenceRequired(entitlement));
  }
  return ok(tenantId);
}

/** The tenants the caller may read connections in (for lookups by id alone). */
export async function readableTenants(ctx: GatewayContext): Promise<Result<string[]>> {
  const principal = await ctx.principal();
  if (!principal)
    return fail({ kind: 'Authentication', message: 'valid credentials are required' });
  return ok(tenantsWith(principal, ['connections:read']));
}

export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 100;

/** A checked page request, with the list it belongs to (its cursors are bound to it). */
export interface ListPage extends PageRequest {
  scope: CursorScope;
}

/**
 * `first` (1–100, default 50) and the opaque `after` cursor, checked: an out-of-range
 * `first` or a cursor we did not issue for this list (`scope`: the query and the arguments
 * that choose its rows) is an input error, never silently clamped.
 */
export function parsePage(
  ctx: GatewayContext,
  scope: CursorScope,
  first: number | null | undefined,
  after: string | null | undefined,
): Result<ListPage> {
  const errors: FieldError[] = [];
  const size = first ?? DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(size) || size < 1 || size > MAX_PAGE_SIZE) {
    errors.push({
      path: ['first'],
      code: 'OUT_OF_RANGE',
      message: `must be from 1 to ${MAX_PAGE_SIZE}`,
    });
  }
  let position: PageRequest['after'] = null;
  if (after != null) {
    position = ctx.cursors.open(scope, after);
    if (!position)
      errors.push({
        path: ['after'],
        code: 'INVALID_CURSOR',
        message: 'is not a cursor this API issued for this list',
      });
  }
  return errors.length > 0
    ? fail(invalidInput(errors))
    : ok({ first: size, after: position, scope });
}

export interface Page<T> {
  items: T[];
  endCursor: string | null;
  hasNextPage: boolean;
}

/** Cuts the `first + 1` rows a keyset query fetched into a page and its signed cursor. */
export function toPage<Row extends { created_at: Date; id: string }>(
  ctx: GatewayContext,
  rows: Row[],
  page: ListPage,
): Page<Row> {
  const hasNextPage = rows.length > page.first;
  const items = hasNextPage ? rows.slice(0, page.first) : rows;
  const last = items.at(-1);
  return {
    items,
    hasNextPage,
    endCursor: last
      ? ctx.cursors.sign(page.scope, { createdAt: last.created_at, id: last.id })
      : null,
  };
}

/** One list's page, as a query asks for it: what differs from list to list. */
export interface ListPageRequest<Row, Item> {
  /** The list and the arguments that choose its rows: its cursors are bound to exactly these. */
  scope: CursorScope;
  first: number | null | undefined;
  after: string | null | undefined;
  /** The keyset query: `first + 1` rows after the page's position. */
  list: (page: ListPage) => Promise<Row[]>;
  toItem: (row: Row) => Item;
}

/** Checks the page request, runs the list query and maps its rows into a page. */
export async function listPage<Row extends { created_at: Date; id: string }, Item>(
  ctx: GatewayContext,
  request: ListPageRequest<Row, Item>,
): Promise<Result<Page<Item>>> {
  const page = parsePage(ctx, request.scope, request.first, request.after);
  if (!page.ok) return page;
  const { items, ...info } = toPage(ctx, await request.list(page.value), page.value);
  return ok({ items: items.map((row) => request.toItem(row)), ...info });
}

/**
 * One page of a list in one named tenant: read access to the tenant first (`path` names its
 * argument, `entitlement` the licence the service needs, if any), then {@link listPage}.
 */
export async function tenantListPage<Row extends { created_at: Date; id: string }, Item>(
  ctx: GatewayContext,
  tenant: { id: string; path: string[]; entitlement?: string },
  request: ListPageRequest<Row, Item>,
): Promise<Result<Page<Item>>> {
  const access = await authorizeTenantRead(ctx, tenant.id, tenant.path, tenant.entitlement);
  if (!access.ok) return access;
  return listPage(ctx, request);
}
