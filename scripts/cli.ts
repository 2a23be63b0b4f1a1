import { parseArgs, type ParseArgsConfig } from 'node:util';
import { createDb, type Db } from '../db/connect.js';
import { migrateToLatest } from '../db/migrate.js';
import { ConfigError, loadConfig, type Config } from '../src/config.js';
import { lockDataDir } from '../src/data-dir-lock.js';
import { describeStartupError } from '../src/startup-errors.js';

/** A mistake in a command's arguments or configuration: printed as one line, exit code 2. */
export class UsageError extends Error {}

/**
 * Runs one command-line script: a `UsageError` or `ConfigError` ends it with its message and
 * exit code 2, anything else with one line (no stack trace) and exit code 1.
 */
export function runCli(usage: string, main: () => Promise<void>): void {
  main().then(
    () => process.exit(0),
    (error) => {
      if (error instanceof UsageError || error instanceof ConfigError) {
        console.error(error.message);
        if (error instanceof UsageError) console.error(`usage: ${usage}`);
        process.exit(2);
      }
      console.error(describeStartupError(error, { databaseUrl: process.env.DATABASE_URL }));
      process.exit(1);
    },
  );
}

/** `parseArgs` in strict mode, its complaints (unknown or malformed options) as a `UsageError`. */
export function parseCliArgs<T extends NonNullable<ParseArgsConfig['options']>>(options: T) {
  try {
    return parseArgs({ options, strict: true, allowPositionals: false }).values;
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

/**
 * The configured database for a command, migrated. In embedded mode the data directory's lock
 * is taken first, so a command never writes PGlite files under a running gateway (it says so
 * and exits instead); `close()` releases it.
 */
export async function openConfiguredDatabase(): Promise<{
  config: Config;
  database: Db;
  applied: string[];
}> {
  const config = loadConfig();
  const release = config.databaseUrl
    ? undefined
    : await lockDataDir(config.dataDir, (error) => {
        console.error(`lost the lock on ${config.dataDir}: ${error.message}`);
        process.exit(1);
      });
  const database = await createDb({
    databaseUrl: config.databaseUrl,
    dataDir: config.databaseUrl ? undefined : `${config.dataDir}/pgdata`,
  });
  let applied: string[];
  try {
    applied = await migrateToLatest(database.db);
  } catch (error) {
    await database.close();
    await release?.();
    throw error;
  }
  return {
    config,
    applied,
    database: {
      ...database,
      close: async () => {
        await database.close();
        await release?.();
      },
    },
  };
}
