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
  principal: Principal | null;
  /** Why a presented credential was refused; for the log only. */
  authFailure: string | null;
  db: Kysely<Database>;
  secrets: SecretBox;
  loaders: Loaders;
  logger: Logger;
}

export interface ContextDeps {
  db: Kysely<Database>;
  secrets: SecretBox;
  jwt: JwtVerifier;
  logger: Logger;
}

/** Builds the context of one request: a request id, the caller, and fresh loaders. */
export async function createContext(
  deps: ContextDeps,
  request: { authorization?: string; requestId?: string },
): Promise<GatewayContext> {
  const requestId = request.requestId ?? randomUUID();
  const auth = await authenticate(deps.db, deps.jwt, request.authorization);
  const logger = deps.logger.child({ requestId });
  if (auth.failure) logger.info({ reason: auth.failure }, 'credentials refused');
  return {
    requestId,
    principal: auth.principal,
    authFailure: auth.failure,
    db: deps.db,
    secrets: deps.secrets,
    loaders: createLoaders(deps.db),
    logger,
  };
}
