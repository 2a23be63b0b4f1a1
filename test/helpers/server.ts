import { pino } from 'pino';
import { createDb, type DbOptions } from '../../db/connect.js';
import { createGateway } from '../../src/server.js';
import { TEST_JWT_SECRET, TEST_SECRET_KEYS } from './harness.js';

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
    logger: pino({ level: 'info', base: undefined }, { write: (line: string) => logs.push(JSON.parse(line)) }),
    production: false,
    secretKeys: TEST_SECRET_KEYS,
    jwtSecret: TEST_JWT_SECRET,
  });
  const exec = async (query: string, variables: Record<string, unknown>, token?: string) => {
    const contextValue = await gateway.contextFor({ authorization: token ? `Bearer ${token}` : undefined });
    const res = await gateway.apollo.executeOperation({ query, variables }, { contextValue });
    if (res.body.kind !== 'single') throw new Error('expected a single result');
    return res.body.singleResult as { data?: any; errors?: { message: string; extensions?: any }[] };
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
