import 'reflect-metadata';
import cluster from 'node:cluster';
import { createDb } from '../db/connect.js';
import { guardTransactions } from '../db/transaction.js';
import { changesAnnounced } from './changes/notifier.js';
import { ConfigError, loadConfig, type Config } from './config.js';
import { lockDataDir } from './data-dir-lock.js';
import { createLogger } from './logger.js';
import { describeStartupError } from './startup-errors.js';

/**
 * The rest of the gateway (Apollo, type-graphql, the resolvers, the services): loaded with
 * dynamic imports so that loading it overlaps opening the database, which on the embedded
 * PGlite is WASM start-up and reading the data directory. A restart is ready sooner.
 */
const loadGateway = async () => {
  const parts = await Promise.all([
    import('prom-client').then(({ register }) => ({ register })),
    import('../db/migrate.js'),
    import('./crypto/key-check.js'),
    import('./crypto/secret-box.js'),
    import('./demo/seed-demo.js'),
    import('../resolvers/schema.js'),
    import('./server.js'),
    import('./http.js'),
    import('./readiness.js'),
    import('./cluster.js'),
    import('./metrics.js'),
    import('./services/idempotency.js'),
  ]);
  const [register, migrate, keyCheck, secretBox, demo, schema, ...rest] = parts;
  const [server, http, readiness, clusterParts, metrics, idempotency] = rest;
  return {
    ...{ ...register, ...migrate, ...keyCheck, ...secretBox, ...demo, ...schema },
    ...{ ...server, ...http, ...readiness, ...clusterParts, ...metrics, ...idempotency },
  };
};

let config: Config | undefined;

/**
 * Starts the gateway: configuration → the data directory's lock (embedded mode) → database
 * (PGlite in `DATA_DIR`, or `DATABASE_URL`) → migrations → the secrets keys checked against
 * the database → demo data (only into an empty embedded database outside production) →
 * Apollo → HTTP. SIGTERM/SIGINT drain in-flight requests, then close the pool.
 */
async function main(): Promise<void> {
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(2);
    }
    throw error;
  }
  const logger = createLogger(config.logLevel);
  if (cluster.isPrimary && config.webConcurrency > 1) {
    const { runPrimary } = await import('./cluster.js');
    return runPrimary(config, logger);
  }
  if (config.secretKeyGenerated) {
    logger.warn(
      `generated a secrets key into ${config.dataDir}/secrets.key: keep it, secrets cannot be read without it`,
    );
  }

  if (!config.databaseUrl) {
    await lockDataDir(config.dataDir, (error) => {
      // Another process took the directory: stop before two writers corrupt it.
      logger.fatal({ err: error }, `lost the lock on ${config!.dataDir}; stopping`);
      process.exit(1);
    });
  }

  // The check for a query beside a transaction costs every request (db/transaction.ts): the
  // suite and development run it, production does not.
  guardTransactions(!config.production);
  const pgdata = config.databaseUrl ? undefined : `${config.dataDir}/pgdata`;
  const gatewayLoaded = loadGateway();
  // A new embedded database is created, migrated and seeded by a child process, whose
  // memory goes when it exits (`src/embedded-setup.ts`); this process then opens it as a
  // restart would.
  const dbOptions = {
    databaseUrl: config.databaseUrl,
    dataDir: pgdata,
    poolSize: config.poolSize,
    statementTimeoutMs: config.statementTimeoutMs,
    lockTimeoutMs: config.lockTimeoutMs,
    connectionTimeoutMs: config.connectionTimeoutMs,
    namedStatements: config.namedStatements,
    onPoolError: (error: Error) =>
      logger.warn({ err: error }, 'database client error (the pool replaces the client)'),
  };
  const setUp = pgdata
    ? import('./embedded-setup.js').then(({ setUpNewDatabase }) =>
        setUpNewDatabase(pgdata, { secretKeys: config!.secretKeys, demo: !config!.production }),
      )
    : Promise.resolve(undefined);
  const opened = setUp.then(() => createDb(dbOptions));
  const [database, modules, setup] = await Promise.all([opened, gatewayLoaded, setUp]);
  const {
    register,
    migrateToLatest,
    verifySecretKeys,
    isEmpty,
    seedDemo,
    SecretBox,
    createMetrics,
    answerMetricsRequests,
    buildGatewaySchema,
    createGateway,
    serveMetrics,
    listenMetrics,
    createHttpServer,
    readinessProbe,
    startIdempotencyCleanup,
    hasDemoData,
    DEMO_KEYS,
  } = modules;
  if (setup) logger.debug({ migrations: setup.applied }, 'created the database in a child process');
  const applied = await migrateToLatest(database.db);
  if (applied.length > 0) logger.debug({ migrations: applied }, 'applied migrations');
  await verifySecretKeys(database.db, config.secretKeys);

  // The published demo keys must never open a real deployment: demo data only ever goes
  // into an empty embedded database, and never in production.
  const demoAllowed = database.kind === 'pglite' && !config.production;
  let seeded = setup?.seeded ?? false;
  if (demoAllowed && (await isEmpty(database.db))) {
    await seedDemo(database.db, new SecretBox(config.secretKeys));
    seeded = true;
  }

  // Workers record into prom-client's default registry, which the primary aggregates.
  const metrics = config.metricsPort !== undefined ? createMetrics(register) : undefined;
  metrics?.watch({ pool: database.poolStats });
  if (metrics && cluster.isWorker) answerMetricsRequests();
  const gateway = await createGateway({
    // The composition root: the one place in src/ that imports the GraphQL layer.
    schema: await buildGatewaySchema({ callDirectly: config.executor !== 'graphql-js' }),
    db: database.db,
    logger,
    production: config.production,
    secretKeys: config.secretKeys,
    jwtSecret: config.jwtSecret,
    jwtPublicKey: config.jwtPublicKey,
    jwtJwksUrl: config.jwtJwksUrl,
    jwtIssuer: config.jwtIssuer,
    jwtAudience: config.jwtAudience,
    jwtClaims: config.jwtClaims,
    executor: config.executor,
    listen: database.listen,
    changes: {
      pollMs: config.changesPollMs,
      batchMs: config.changesBatchMs,
      credentialsRecheckMs: config.credentialsRecheckMs,
    },
    metrics,
  });
  const metricsServer = metrics && cluster.isPrimary ? serveMetrics(metrics) : undefined;
  if (metricsServer) await listenMetrics(metricsServer, config);
  const http = createHttpServer({
    gateway,
    logger,
    ping: readinessProbe({ db: database.db, dataDir: pgdata }),
  });
  await new Promise<void>((resolve, reject) => {
    http.server.once('error', reject);
    http.server.listen(config!.port, config!.host, () => {
      http.server.off('error', reject);
      resolve();
    });
  }).catch(async (error) => {
    await database.close();
    throw error;
  });
  const stopCleanup = startIdempotencyCleanup(database.db, logger);
  const address = http.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const url = `http://${config.host === '0.0.0.0' ? 'localhost' : config.host}:${port}/graphql`;

  console.log(
    `Connection Gateway ready at ${url} (${database.kind === 'pglite' ? `embedded PostgreSQL in ${config.dataDir}` : 'PostgreSQL server'})`,
  );
  if (seeded) console.log('Loaded the demo data.');
  if (demoAllowed && (await hasDemoData(database.db))) {
    console.log('Demo API keys (send as "Authorization: Bearer <key>"):');
    for (const k of DEMO_KEYS)
      console.log(`  ${k.key.padEnd(28)} ${k.tenant}: ${k.permissions.join(', ')}`);
  }

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'draining');
    await http.drain({
      announceMs: signal === 'SIGTERM' ? config!.shutdownAnnounceMs : 0,
      graceMs: config!.shutdownGraceMs,
    });
    stopCleanup();
    metricsServer?.close();
    await gateway.apollo.stop();
    await changesAnnounced(database.db);
    await database.close();
    logger.info('stopped');
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

main().catch((error) => {
  console.error(`gateway failed to start: ${describeStartupError(error, config)}`);
  process.exit(1);
});
