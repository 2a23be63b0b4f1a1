import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import type { ClaimsMapping } from './auth/jwt.js';

/**
 * `batchMs` unless configured (`CHANGES_BATCH_MS`): with 100 subscribers under load, 10 ms
 * took a fifth off the CPU per delivery without raising the median delay (bench/README.md).
 */
export const DEFAULT_BATCH_MS = 10;

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

/** Everything the gateway reads from its environment, parsed and checked once at start. */
export interface Config {
  port: number;
  host: string;
  production: boolean;
  databaseUrl: string | undefined;
  dataDir: string;
  /** Secret-sealing keys, the first is the one new secrets are sealed with. */
  secretKeys: { id: string; key: Buffer }[];
  /** True when the key was generated into `dataDir` (embedded mode only). */
  secretKeyGenerated: boolean;
  jwtSecret: string | undefined;
  jwtPublicKey: string | undefined;
  jwtJwksUrl: string | undefined;
  jwtIssuer: string | undefined;
  jwtAudience: string | undefined;
  jwtClaims: ClaimsMapping;
  logLevel: LogLevel;
  poolSize: number;
  statementTimeoutMs: number;
  lockTimeoutMs: number;
  connectionTimeoutMs: number;
  /**
   * The hot statements (API-key lookup, pages, mutations) run as named prepared statements
   * (db/named-statements.ts).
   */
  namedStatements: boolean;
  shutdownGraceMs: number;
  shutdownAnnounceMs: number;
  executor: 'graphql-jit' | 'graphql-js';
  /** Safety-net poll of the change feed while anybody subscribes. */
  changesPollMs: number;
  /** How long the change feed gathers commits before a read. */
  changesBatchMs: number;
  /** How often an open WebSocket's credentials are checked again. */
  credentialsRecheckMs: number;
  /** Worker processes (server mode only). */
  webConcurrency: number;
  /** Port of the Prometheus `/metrics` endpoint; undefined = off. */
  metricsPort: number | undefined;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

const NODE_ENVS = ['development', 'production', 'test'];
const LOG_LEVELS: LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/**
 * Reads the configuration from `env`. Collects every mistake and throws one `ConfigError`
 * naming them all, so a wrong deployment is fixed in one round. In embedded mode a missing
 * `SECRETS_KEY` is generated once into `DATA_DIR/secrets.key` (and reused after).
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const problems: string[] = [];
  const int = (name: string, fallback: number, min: number, max: number): number => {
    const raw = env[name];
    if (raw === undefined || raw === '') return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < min || value > max) {
      problems.push(`${name} must be a whole number from ${min} to ${max} (got "${raw}")`);
      return fallback;
    }
    return value;
  };

  const nodeEnv = env.NODE_ENV || 'development';
  if (!NODE_ENVS.includes(nodeEnv)) {
    problems.push(`NODE_ENV must be one of ${NODE_ENVS.join(', ')} (got "${env.NODE_ENV}")`);
  }
  const databaseUrl = env.DATABASE_URL || undefined;
  if (databaseUrl && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    problems.push('DATABASE_URL must start with postgres:// or postgresql://');
  }
  const dataDir = path.resolve(env.DATA_DIR || '.data');

  const logLevel = (env.LOG_LEVEL || (nodeEnv === 'test' ? 'silent' : 'info')) as LogLevel;
  if (!LOG_LEVELS.includes(logLevel)) {
    problems.push(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')} (got "${env.LOG_LEVEL}")`);
  }

  const jwtSecret = env.JWT_SECRET || undefined;
  if (jwtSecret && Buffer.byteLength(jwtSecret) < 32) {
    problems.push('JWT_SECRET must be at least 32 bytes long (HS256 needs a 256-bit key)');
  }
  let jwtPublicKey = env.JWT_PUBLIC_KEY || undefined;
  if (jwtPublicKey && !jwtPublicKey.includes('BEGIN PUBLIC KEY')) {
    // Allow a path to a PEM file as well as the PEM itself.
    if (existsSync(jwtPublicKey)) jwtPublicKey = readFileSync(jwtPublicKey, 'utf8');
    else problems.push('JWT_PUBLIC_KEY must be a PEM public key or the path of a PEM file');
  }

  const jwtJwksUrl = env.JWT_JWKS_URL || undefined;
  if (jwtJwksUrl) {
    const problem = jwksUrlProblem(jwtJwksUrl);
    if (problem) problems.push(`JWT_JWKS_URL ${problem} (got "${jwtJwksUrl}")`);
  }
  const jwtClaims = claimsMapping(env, problems);
  if (!jwtSecret && !jwtPublicKey && !jwtJwksUrl) {
    const jwtOnly = [
      'JWT_ISSUER',
      'JWT_AUDIENCE',
      'JWT_MEMBERSHIPS_CLAIM',
      'JWT_TENANT_CLAIM',
      'JWT_PERMISSIONS_CLAIM',
    ].filter((name) => env[name]);
    if (jwtOnly.length > 0) {
      problems.push(
        `${jwtOnly.join(', ')} need JWTs enabled (JWT_SECRET, JWT_PUBLIC_KEY or JWT_JWKS_URL)`,
      );
    }
  }

  let secretKeys: Config['secretKeys'] = [];
  let secretKeyGenerated = false;
  const rawKeys = env.SECRETS_KEY;
  if (rawKeys) {
    const parsed = parseSecretKeys(rawKeys);
    if (typeof parsed === 'string') problems.push(parsed);
    else secretKeys = parsed;
  } else if (databaseUrl) {
    problems.push(
      'SECRETS_KEY is required with DATABASE_URL (32 random bytes in base64: `openssl rand -base64 32`)',
    );
  } else {
    const file = path.join(dataDir, 'secrets.key');
    const pgdata = path.join(dataDir, 'pgdata');
    if (!existsSync(file) && existsSync(pgdata) && readdirSync(pgdata).length > 0) {
      // A new key would open none of the database's secrets: never make one silently.
      problems.push(
        `${file} is missing, but ${pgdata} holds a database whose secrets it sealed: restore the key file (or set SECRETS_KEY)`,
      );
    } else {
      if (!existsSync(file)) {
        mkdirSync(dataDir, { recursive: true });
        try {
          // 'wx': two first starts at once never overwrite each other's key.
          writeFileSync(file, `k1:${randomBytes(32).toString('base64')}\n`, {
            mode: 0o600,
            flag: 'wx',
          });
          secretKeyGenerated = true;
        } catch (error) {
          if ((error as { code?: string }).code !== 'EEXIST') throw error;
        }
      }
      const parsed = parseSecretKeys(readFileSync(file, 'utf8').trim());
      if (typeof parsed === 'string') problems.push(`${file}: ${parsed}`);
      else secretKeys = parsed;
    }
  }

  const namedStatements = env.DB_NAMED_STATEMENTS || 'on';
  if (namedStatements !== 'on' && namedStatements !== 'off') {
    problems.push(`DB_NAMED_STATEMENTS must be on or off (got "${namedStatements}")`);
  }

  const executor = env.GATEWAY_EXECUTOR || 'graphql-jit';
  if (executor !== 'graphql-jit' && executor !== 'graphql-js') {
    problems.push(`GATEWAY_EXECUTOR must be graphql-jit or graphql-js (got "${executor}")`);
  }

  const config: Config = {
    port: int('PORT', 4000, 0, 65535),
    host: env.HOST || '127.0.0.1',
    production: nodeEnv === 'production',
    databaseUrl,
    dataDir,
    secretKeys,
    secretKeyGenerated,
    jwtSecret,
    jwtPublicKey,
    jwtJwksUrl,
    jwtIssuer: env.JWT_ISSUER || undefined,
    jwtAudience: env.JWT_AUDIENCE || undefined,
    jwtClaims,
    logLevel,
    poolSize: int('DB_POOL_SIZE', 10, 1, 200),
    statementTimeoutMs: int('DB_STATEMENT_TIMEOUT_MS', 10_000, 100, 600_000),
    lockTimeoutMs: int('DB_LOCK_TIMEOUT_MS', 3_000, 10, 600_000),
    connectionTimeoutMs: int('DB_CONNECTION_TIMEOUT_MS', 5_000, 100, 600_000),
    namedStatements: namedStatements !== 'off',
    shutdownGraceMs: int('SHUTDOWN_GRACE_MS', 10_000, 0, 600_000),
    shutdownAnnounceMs: int('SHUTDOWN_ANNOUNCE_MS', 1_000, 0, 600_000),
    executor: executor as Config['executor'],
    changesPollMs: int('CHANGES_POLL_MS', 1_000, 50, 60_000),
    changesBatchMs: int('CHANGES_BATCH_MS', DEFAULT_BATCH_MS, 0, 1_000),
    credentialsRecheckMs: int('CREDENTIALS_RECHECK_MS', 30_000, 100, 60_000),
    webConcurrency: int('WEB_CONCURRENCY', 1, 1, 64),
    metricsPort: env.METRICS_PORT ? int('METRICS_PORT', 9464, 0, 65535) : undefined,
  };
  if (config.webConcurrency > 1 && !databaseUrl) {
    problems.push(
      'WEB_CONCURRENCY above 1 needs DATABASE_URL: the embedded database belongs to one process',
    );
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}

/**
 * The JWKS must come over HTTPS: whoever can change the keys in transit can sign any token.
 * Plain HTTP is allowed only to this machine (a local IdP, tests).
 */
function jwksUrlProblem(raw: string): string | null {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'must be an absolute URL';
  }
  if (url.protocol === 'https:') return null;
  if (url.protocol !== 'http:') return 'must be an https:// URL';
  const loopback = ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname);
  return loopback ? null : 'must be an https:// URL (http:// only to localhost)';
}

/**
 * `JWT_MEMBERSHIPS_CLAIM` (default `memberships`), or `JWT_TENANT_CLAIM` with
 * `JWT_PERMISSIONS_CLAIM`: the two forms exclude each other, and the pair comes together.
 */
function claimsMapping(env: NodeJS.ProcessEnv, problems: string[]): ClaimsMapping {
  const membershipsClaim = env.JWT_MEMBERSHIPS_CLAIM || undefined;
  const tenantClaim = env.JWT_TENANT_CLAIM || undefined;
  const permissionsClaim = env.JWT_PERMISSIONS_CLAIM || undefined;
  if (membershipsClaim && (tenantClaim || permissionsClaim)) {
    problems.push(
      'JWT_MEMBERSHIPS_CLAIM excludes JWT_TENANT_CLAIM and JWT_PERMISSIONS_CLAIM: set one form',
    );
  } else if (!tenantClaim !== !permissionsClaim) {
    problems.push('JWT_TENANT_CLAIM and JWT_PERMISSIONS_CLAIM must be set together');
  } else if (tenantClaim && permissionsClaim) {
    return { tenantClaim, permissionsClaim };
  }
  return { membershipsClaim: membershipsClaim ?? 'memberships' };
}

/** The keys as `SECRETS_KEY` writes them (`id:<base64>,…`): what `parseSecretKeys` reads back. */
export function formatSecretKeys(keys: Config['secretKeys']): string {
  return keys.map((k) => `${k.id}:${k.key.toString('base64')}`).join(',');
}

/**
 * `SECRETS_KEY` is one key (`<base64 of 32 bytes>`, id `k1`) or a ring
 * `id1:<base64>,id2:<base64>`: the first seals new secrets, all of them open old ones.
 */
export function parseSecretKeys(raw: string): Config['secretKeys'] | string {
  const entries = raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const keys: Config['secretKeys'] = [];
  for (const [index, entry] of entries.entries()) {
    const colon = entry.indexOf(':');
    const id = colon > 0 ? entry.slice(0, colon) : `k${index + 1}`;
    const key = Buffer.from(colon > 0 ? entry.slice(colon + 1) : entry, 'base64');
    // Never repeats what was there: a key written as `<base64>:<id>` would otherwise be
    // echoed into the start-up error (and the logs that keep it).
    if (!/^[A-Za-z0-9_-]{1,32}$/.test(id))
      return `SECRETS_KEY: entry ${index + 1} has a key id that is not 1-32 letters, digits, "-" or "_" (the form is <id>:<base64 key>)`;
    if (key.length !== 32)
      return `SECRETS_KEY: key "${id}" must be 32 bytes in base64 (got ${key.length} bytes)`;
    if (keys.some((k) => k.id === id)) return `SECRETS_KEY: key id "${id}" appears twice`;
    keys.push({ id, key });
  }
  if (keys.length === 0) return 'SECRETS_KEY is empty';
  return keys;
}
