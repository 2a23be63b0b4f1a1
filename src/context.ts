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
   * The caller, authenticated on first use (and only once): an operation refused by the
   * limits, or whose variables do not coerce, never reaches a resolver and so runs no SQL.
   * `null` = anonymous (no or invalid credentials).
   */
  principal(): Promise<Principal | null>;
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

/** Builds the context of one request: a request id, fresh loaders, a lazy caller; no I/O. */
export function createContext(
  deps: ContextDeps,
  request: { authorization?: string; requestId?: string },
): GatewayContext {
  const requestId = request.requestId ?? randomUUID();
  let logger: Logger | undefined;
  let principal: Promise<Principal | null> | undefined;
  const context: GatewayContext = {
    requestId,
    principal: () =>
      (principal ??= authenticate(deps.db, deps.jwt, request.authorization).then((auth) => {
        // Why a presented credential was refused goes to the log only.
        if (auth.failure) context.logger.info({ reason: auth.failure }, 'credentials refused');
        return auth.principal;
      })),
    db: deps.db,
    secrets: deps.secrets,
    loaders: createLoaders(deps.db),
    // Most requests never log: the request's child logger is made on first use.
    get logger() {
      return (logger ??= deps.logger.child({ requestId }));
    },
  };
  return context;
}
