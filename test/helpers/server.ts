import { sql } from 'kysely';
import { createDb, type DbOptions } from '../../db/connect.js';
import { pino } from 'pino';
import { buildGatewaySchema } from '../../resolvers/schema.js';
import { createGateway, type Gateway, type GatewayOptions } from '../../src/server.js';
import {
  countStatements,
  gql,
  gatewayWith,
  getHarness,
  TEST_JWT_SECRET,
  TEST_SECRET_KEYS,
  testExecutor,
  testSchema,
  type GqlResult,
} from './harness.js';

/** True when the suite runs against a PostgreSQL server (locks and races are real there). */
export const onServer = !!process.env.TEST_DATABASE_URL;

/**
 * A second gateway on its own pool with its own bounds, for fault tests (tiny pools, short
 * lock timeouts); the caller closes it.
 */
export async function isolatedGateway(
  options: Partial<DbOptions> = {},
  gatewayOptions: Partial<GatewayOptions> = {},
) {
  const errors: Error[] = [];
  const database = await createDb({
    databaseUrl: process.env.TEST_DATABASE_URL,
    onPoolError: (e) => errors.push(e),
    ...options,
  });
  const { gateway, logs, exec, close } = await gatewayWith({
    db: database.db,
    jwtSecret: TEST_JWT_SECRET,
    listen: database.listen,
    ...gatewayOptions,
  });
  return {
    database,
    gateway,
    exec,
    poolErrors: errors,
    logs,
    close: async () => {
      await close();
      await database.close();
    },
  };
}

/** Holds `FOR UPDATE` on one OES row in another transaction until `release()` is called. */
export async function holdRowLock(tenantId: string, connectionId: string) {
  const { database } = await getHarness();
  let release!: () => void;
  const released = new Promise<void>((r) => (release = r));
  let locked!: () => void;
  const isLocked = new Promise<void>((r) => (locked = r));
  const done = database.db.transaction().execute(async (trx) => {
    await sql`select 1 from oes_connections where tenant_id = ${tenantId} and id = ${connectionId} for update`.execute(
      trx,
    );
    locked();
    await released;
  });
  await isLocked;
  return {
    release: async () => {
      release();
      await done;
    },
  };
}

export interface GatewayProcess {
  proc: import('node:child_process').ChildProcess;
  base: string;
  output: string[];
  exited: Promise<number | null>;
}

/**
 * Starts `src/main.ts` as its own process (as `npm start` would) and resolves once it prints
 * its URL. `env` is added to a minimal environment. A process that does not start in time is
 * killed. The default allows a start on a new embedded data directory (PGlite's first start,
 * the setup child's migrations and demo data) on a CI machine whose two cores run the suite's
 * other workers too; a normal start takes 2–10 s.
 */
export async function spawnGateway(
  env: Record<string, string>,
  startTimeoutMs = 60_000,
): Promise<GatewayProcess> {
  const { spawn } = await import('node:child_process');
  const proc = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: new URL('../..', import.meta.url).pathname,
    env: { PATH: process.env.PATH ?? '', PORT: '0', LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  const exited = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)));
  const base = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      proc.kill('SIGKILL');
      reject(new Error(`gateway did not start:\n${output.join('')}`));
    }, startTimeoutMs);
    const onData = (chunk: Buffer) => {
      output.push(String(chunk));
      const match = /ready at (http:\/\/[^/\s]+)\/graphql/.exec(output.join(''));
      if (match) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    };
    proc.stdout!.on('data', onData);
    proc.stderr!.on('data', (chunk: Buffer) => output.push(String(chunk)));
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`gateway exited with ${code}:\n${output.join('')}`));
    });
  });
  return { proc, base, output, exited };
}

/** POSTs one GraphQL operation to a gateway process. */
export async function postGraphQL(
  base: string,
  query: string,
  variables: Record<string, unknown>,
  token?: string,
) {
  const res = await fetch(`${base}/graphql`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: JSON.stringify({ query, variables }),
  });
  return {
    status: res.status,
    body: (await res.json()) as { data?: any; errors?: { message: string; extensions?: any }[] },
  };
}

const variants = new Map<string, Promise<Gateway>>();

/**
 * A gateway on the worker's database with other options (production mode, the other
 * executor), made once per worker and options; `stopVariantGateways()` in `afterAll`.
 */
export function variantGateway(
  options: Pick<GatewayOptions, 'production' | 'executor'>,
): Promise<Gateway> {
  const key = JSON.stringify(options);
  let gateway = variants.get(key);
  if (!gateway) {
    const executor = options.executor ?? testExecutor;
    gateway = getHarness().then(async ({ database }) =>
      createGateway({
        schema:
          executor === testExecutor
            ? await testSchema()
            : await buildGatewaySchema({ callDirectly: executor !== 'graphql-js' }),
        db: database.db,
        logger: pino({ level: 'silent' }),
        secretKeys: TEST_SECRET_KEYS,
        ...options,
        executor,
      }),
    );
    variants.set(key, gateway);
  }
  return gateway;
}

export async function stopVariantGateways(): Promise<void> {
  for (const gateway of variants.values()) await (await gateway).apollo.stop();
  variants.clear();
}

/** Runs one request on `gateway`: its HTTP status, its result and the SQL it ran. */
export async function sendTo(
  gateway: Gateway,
  request: {
    query: string;
    operationName?: string;
    variables?: Record<string, unknown>;
    extensions?: Record<string, unknown>;
  },
  token?: string,
) {
  const contextValue = await gateway.contextFor({
    authorization: token ? `Bearer ${token}` : undefined,
  });
  const { result, statements } = await countStatements(() =>
    gateway.apollo.executeOperation(request, { contextValue }),
  );
  if (result.body.kind !== 'single') throw new Error('expected a single result');
  return { status: result.http.status, body: result.body.singleResult, statements };
}

let second: ReturnType<typeof isolatedGateway> | undefined;

/**
 * Where a race test sends its `i`-th request: always the harness's gateway, or alternately
 * that one and a second gateway on the same database with its own pool (as a second process
 * would be), so every race guarantee is also checked across gateways.
 */
export const GATEWAY_SPREADS: [string, (i: number) => typeof gql][] = [
  ['one gateway', () => gql],
  [
    'two gateways',
    (i) =>
      i % 2 === 0
        ? gql
        : async (query, variables, token) => {
            second ??= isolatedGateway();
            return (await second).exec(query, variables ?? {}, token) as Promise<GqlResult>;
          },
  ],
];

/** Closes the second gateway of `GATEWAY_SPREADS`, if one was opened. */
export async function closeSecondGateway(): Promise<void> {
  const opened = second;
  second = undefined;
  await (await opened)?.close();
}
