import cluster, { type Worker } from 'node:cluster';
import { AggregatorRegistry, type PrometheusContentType } from 'prom-client';
import type { Config } from './config.js';
import type { Logger } from './logger.js';
import { serveMetrics } from './metrics.js';

/**
 * The primary of `WEB_CONCURRENCY=N` (server mode): forks N gateway workers that share the
 * port (`node:cluster`), the first alone (it applies the migrations and, on an empty
 * database, loads the demo data) and then the rest; replaces a worker that dies; serves the
 * workers' metrics aggregated on `METRICS_PORT`; on SIGTERM/SIGINT passes the signal on (each
 * worker drains as a single process does) and exits once they all have, with 0 when they all
 * exited 0.
 */
export async function runPrimary(config: Config, logger: Logger): Promise<void> {
  let stopping = false;
  let failed = false;
  const started = (worker: Worker) =>
    new Promise<void>((resolve, reject) => {
      worker.once('listening', () => resolve());
      worker.once('exit', (code) => reject(new Error(`worker exited with ${code} while starting`)));
    });
  try {
    await started(cluster.fork());
    await Promise.all(
      Array.from({ length: config.webConcurrency - 1 }, () => started(cluster.fork())),
    );
  } catch (error) {
    console.error('gateway failed to start:', error instanceof Error ? error.message : error);
    for (const worker of Object.values(cluster.workers ?? {})) worker?.kill();
    process.exit(1);
  }
  console.log(
    `Connection Gateway: ${config.webConcurrency} worker processes on port ${config.port}`,
  );

  cluster.on('exit', (worker, code, signal) => {
    if (code !== 0) failed = true;
    if (!stopping) {
      logger.error({ pid: worker.process.pid, code, signal }, 'worker died; starting another');
      cluster.fork();
    } else if (Object.keys(cluster.workers ?? {}).length === 0) {
      logger.info('stopped');
      process.exit(failed ? 1 : 0);
    }
  });

  let metrics: ReturnType<typeof serveMetrics> | undefined;
  if (config.metricsPort !== undefined) {
    metrics = serveMetrics({ cluster: new AggregatorRegistry<PrometheusContentType>() });
    await listenMetrics(metrics, config);
  }

  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping the workers');
    metrics?.close();
    for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill(signal);
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

/** Listens on `METRICS_PORT` and prints where. */
export async function listenMetrics(
  server: ReturnType<typeof serveMetrics>,
  config: Config,
): Promise<void> {
  // A port in use ends the start with one line (main's handler), not an unhandled 'error'.
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.metricsPort, config.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.metricsPort;
  console.log(`Metrics at http://${config.host}:${port}/metrics`);
}

/**
 * In a worker: answers the primary's requests for this process's metrics (prom-client
 * installs that listener when an AggregatorRegistry is constructed).
 */
export function answerMetricsRequests(): void {
  new AggregatorRegistry();
}
