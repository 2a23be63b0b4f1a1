import { sql } from 'kysely';
import { pino } from 'pino';
import { createDb, type DbOptions } from '../../db/connect.js';
import { createGateway } from '../../src/server.js';
import { getHarness, TEST_JWT_SECRET, TEST_SECRET_KEYS } from './harness.js';

/** True when the suite runs against a PostgreSQL server (locks and races are real there). */
export const onServer = !!process.env.TEST_DATABASE_URL;

/**
 * A second gateway on its own pool with its own bounds, for fault tests (tiny pools, short
 * lock timeouts); the caller closes it.
 */
export async function isolatedGateway(options: Partial<DbOptions> = {}) {
  const errors: Error[] = [];
  const database = await createDb({
    databaseUrl: process.env.TEST_DATABASE_URL,
    onPoolError: (e) => errors.push(e),
    ...options,
  });
  const logs: Record<string, unknown>[] = [];
  const gateway = await createGateway({
    db: database.db,
    logger: pino(
      { level: 'info', base: undefined },
      { write: (line: string) => logs.push(JSON.parse(line)) },
    ),
    production: false,
    secretKeys: TEST_SECRET_KEYS,
    jwtSecret: TEST_JWT_SECRET,
  });
  const exec = async (query: string, variables: Record<string, unknown>, token?: string) => {
    const contextValue = await gateway.contextFor({
      authorization: token ? `Bearer ${token}` : undefined,
    });
    const res = await gateway.apollo.executeOperation({ query, variables }, { contextValue });
    if (res.body.kind !== 'single') throw new Error('expected a single result');
    return res.body.singleResult as {
      data?: any;
      errors?: { message: string; extensions?: any }[];
    };
  };
  return {
    database,
    gateway,
    exec,
    poolErrors: errors,
    logs,
    close: async () => {
      await gateway.apollo.stop();
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
 * its URL. `env` is added to a minimal environment.
 */
export async function spawnGateway(env: Record<string, string>): Promise<GatewayProcess> {
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
    }, 60_000);
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
