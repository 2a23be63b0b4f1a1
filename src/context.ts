import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from '../db/database.js';
import { authenticate } from './auth/authenticate.js';
import type { JwtVerifier } from './auth/jwt.js';
import type { Principal } from './auth/principal.js';
import type { CursorSigner } from './crypto/cursor-signer.js';
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
  /** Signs and opens page cursors (bound to their list). */
  cursors: CursorSigner;
  loaders: Loaders;
  logger: Logger;
}

export interface ContextDeps {
  db: Kysely<Database>;
  secrets: SecretBox;
  cursors: CursorSigner;
  jwt: JwtVerifier;
  logger: Logger;
}

/**
 * One request's context: a request id, fresh loaders, a lazy caller; no I/O until used.
 * A class, so that Apollo's shallow copy of the context (`Object.assign` onto the same
 * prototype) keeps the logger getter lazy instead of calling it.
 */
class RequestContext implements GatewayContext {
  readonly db: Kysely<Database>;
  readonly secrets: SecretBox;
  readonly cursors: CursorSigner;
  readonly loaders: Loaders;
  private caller: Promise<Principal | null> | undefined = undefined;
  private childLogger: Logger | undefined = undefined;

  constructor(
    private readonly deps: ContextDeps,
    private readonly authorization: string | undefined,
    readonly requestId: string,
  ) {
    this.db = deps.db;
    this.secrets = deps.secrets;
    this.cursors = deps.cursors;
    this.loaders = createLoaders(deps.db);
  }

  principal(): Promise<Principal | null> {
    return (this.caller ??= authenticate(this.deps.db, this.deps.jwt, this.authorization).then(
      (auth) => {
        // Why a presented credential was refused goes to the log only.
        if (auth.failure) this.logger.info({ reason: auth.failure }, 'credentials refused');
        return auth.principal;
      },
    ));
  }

  /** Most requests never log: the request's child logger is made on first use. */
  get logger(): Logger {
    return (this.childLogger ??= this.deps.logger.child({ requestId: this.requestId }));
  }
}

export function createContext(
  deps: ContextDeps,
  request: { authorization?: string; requestId?: string },
): GatewayContext {
  return new RequestContext(deps, request.authorization, request.requestId ?? randomUUID());
}
