import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from '../db/database.js';
import { authenticate } from './auth/authenticate.js';
import type { JwtVerifier } from './auth/jwt.js';
import type { Principal } from './auth/principal.js';
import type { SecretBox } from './crypto/secret-box.js';
import { createLoaders, type Loaders } from './loaders.js';
import type { Logger } from './logger.js';

/** Everything one request's resolvers and services may use. */
export interface GatewayContext {
  requestId: string;
  /**
   * The caller. Set by `authenticateContext` once the operation has passed parsing,
   * validation and the cost limit (so a refused operation runs no SQL); null = anonymous.
   */
  principal: Principal | null;
  /** Why a presented credential was refused; for the log only. */
  authFailure: string | null;
  /** The raw `Authorization` header, until it has been authenticated. */
  authorization: string | undefined;
  db: Kysely<Database>;
  secrets: SecretBox;
  loaders: Loaders;
  logger: Logger;
  jwt: JwtVerifier;
}

export interface ContextDeps {
  db: Kysely<Database>;
  secrets: SecretBox;
  jwt: JwtVerifier;
  logger: Logger;
}

/** Builds the context of one request: a request id, fresh loaders; no I/O. */
export function createContext(
  deps: ContextDeps,
  request: { authorization?: string; requestId?: string },
): GatewayContext {
  const requestId = request.requestId ?? randomUUID();
  return {
    requestId,
    principal: null,
    authFailure: null,
    authorization: request.authorization,
    db: deps.db,
    secrets: deps.secrets,
    jwt: deps.jwt,
    loaders: createLoaders(deps.db),
    logger: deps.logger.child({ requestId }),
  };
}

/** Resolves the `Authorization` header into `ctx.principal` (once). */
export async function authenticateContext(ctx: GatewayContext): Promise<void> {
  if (ctx.authorization === undefined) return;
  const header = ctx.authorization;
  ctx.authorization = undefined;
  const auth = await authenticate(ctx.db, ctx.jwt, header);
  ctx.principal = auth.principal;
  ctx.authFailure = auth.failure;
  if (auth.failure) ctx.logger.info({ reason: auth.failure }, 'credentials refused');
}
