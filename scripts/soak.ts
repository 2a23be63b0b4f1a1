/**
 * `npm run soak [-- --minutes N]`: the gateway under a long mixed load, watched for leaks.
 *
 * 1. Recreates and seeds `SOAK_DATABASE_URL` (the bench's seed, smaller) and compiles the
 *    gateway (the bench's build, `bench/.build/`), so it runs as `npm run start:prod` does.
 * 2. Starts the gateway on that PostgreSQL server with the start script's node flags and the
 *    bench's memory probe, and a load process (`scripts/soak-load.ts`) that drives the mix of
 *    mutations and pages from a second process on loopback.
 * 3. Every `--sample-sec` seconds: the gateway's RSS, V8 heap used and total, its live heap
 *    (what V8 kept after the full collections it ran by itself in the interval, so a leak shows
 *    as a rising floor, not hidden in the saw-tooth of lazy collection), its event-loop delay
 *    (p50/p99/max over the interval), with the load's requests, errors and latency over the
 *    same interval. Nothing forces a collection: a forced one throws away compiled code, and a
 *    gateway collected every few seconds keeps re-optimising its hot functions (at twice the
 *    CPU per request), which is not the gateway being measured.
 * 4. Writes `bench/results/soak.json` and `bench/results/soak.png`, and fails (exit 1) on any
 *    error or when RSS or the live heap grew by 5% or more after the warm-up: minute 2 against
 *    the last minute, the median of the RSS samples and the floor (minimum) of the live heap in
 *    each (or when V8 ran no full collection in one of them: then nothing can be said).
 */
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PROBE_NODE_ARGS, readProbe, type ProbeSample } from '../bench/memory.js';
import { seedBenchDatabase } from '../bench/seed.js';
import { serverEnv, START_PROD_FLAGS } from '../bench/start-flags.js';
import type { LoadStart, LoadStats } from './soak-load.js';
import { plotPng } from './soak-plot.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const RESULTS = path.join(ROOT, 'bench', 'results');
const BUILD = path.join(ROOT, 'bench', '.build');
const DEFAULT_DATABASE_URL = 'postgresql://postgres@127.0.0.1:5432/cgw_soak';
/** Growth of RSS and heap used, minute 2 → last minute, that fails the soak. */
const GROWTH_BOUND_PCT = 5;

interface Options {
  minutes: number;
  sampleSec: number;
  concurrency: number;
  databaseUrl: string;
  /** Write a heap snapshot of the gateway at the end of the load. */
  heapSnapshot: boolean;
}

function parseOptions(argv: string[]): Options {
  const options: Options = {
    minutes: 10,
    sampleSec: 5,
    concurrency: 16,
    databaseUrl: process.env.SOAK_DATABASE_URL || DEFAULT_DATABASE_URL,
    heapSnapshot: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const value = Number(argv[i + 1]);
    const need = (ok: boolean) => {
      if (!ok) {
        console.error(
          `usage: npm run soak -- [--minutes N (≥ 3)] [--sample-sec S] [--concurrency C] [--heap-snapshot]\n` +
            `env: SOAK_DATABASE_URL (default ${DEFAULT_DATABASE_URL}; dropped and recreated)`,
        );
        process.exit(2);
      }
      i++;
    };
    switch (argv[i]) {
      case '--minutes':
        need(value >= 3);
        options.minutes = value;
        break;
      case '--sample-sec':
        need(value >= 1);
        options.sampleSec = value;
        break;
      case '--heap-snapshot':
        options.heapSnapshot = true;
        break;
      case '--concurrency':
        need(Number.isInteger(value) && value > 0);
        options.concurrency = value;
        break;
      default:
        need(false);
    }
  }
  return options;
}

const children = new Set<ChildProcess>();
const killChildren = () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
};
process.on('SIGINT', () => {
  killChildren();
  process.exit(130);
});

function run(command: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit'] });
    children.add(child);
    child.once('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`${command} exited with ${code}`)),
    );
  });
}

function startGateway(env: Record<string, string>) {
  const child = spawn(
    process.execPath,
    [...PROBE_NODE_ARGS, ...START_PROD_FLAGS, path.join(BUILD, 'src', 'main.js')],
    { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe', 'ipc'] },
  );
  children.add(child);
  let output = '';
  const keep = (c: Buffer) => {
    output = (output + c.toString('utf8')).slice(-100_000);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  return new Promise<{ child: ChildProcess; url: string; output: () => string }>(
    (resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`not ready in 60 s:\n${output}`)), 60_000);
      child.stdout!.on('data', () => {
        const url = /ready at (http:\/\/\S+\/graphql)/.exec(output)?.[1];
        if (url) {
          clearTimeout(timer);
          resolve({ child, url, output: () => output });
        }
      });
      child.once('exit', (code) => reject(new Error(`the gateway exited (${code}):\n${output}`)));
    },
  );
}

const median = (values: number[]) => {
  const s = [...values].sort((a, b) => a - b);
  return s.length ? s[Math.floor(s.length / 2)] : NaN;
};
const round1 = (v: number) => Math.round(v * 10) / 10;
const signed = (pct: number | null) => (pct === null ? 'N/A' : `${pct >= 0 ? '+' : ''}${pct}%`);

interface Sample {
  /** Seconds since the load started. */
  t: number;
  rssMb: number;
  heapUsedMb: number;
  heapTotalMb: number;
  externalMb: number;
  peakRssMb: number;
  /** Heap used per V8 space (`old_space`, `code_space`, …): objects or compiled code. */
  heapSpacesMb?: Record<string, number>;
  /** What V8 kept after its full collections of the interval (the least), null if it ran none. */
  liveHeapMb: number | null;
  fullCollections: number;
  /** The live heap per V8 space. */
  liveHeapSpacesMb?: Record<string, number>;
  eventLoopDelayMs: ProbeSample['eventLoopDelayMs'];
  requests: number;
  rps: number;
  errors: number;
  latencyMs: LoadStats['latencyMs'];
}

async function main(): Promise<number> {
  const options = parseOptions(process.argv.slice(2));
  const started = performance.now();
  const log = (line: string) =>
    console.log(`[soak ${((performance.now() - started) / 1000).toFixed(0)} s] ${line}`);
  log(
    `${options.minutes} min of mixed load at c=${options.concurrency}, a sample every ${options.sampleSec} s`,
  );

  const secretKey = randomBytes(32);
  const tsc = path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  const [fixture] = await Promise.all([
    seedBenchDatabase({
      databaseUrl: options.databaseUrl,
      secretKeys: [{ id: 'k1', key: secretKey }],
      connectionsPerKind: 2_000,
      log,
    }),
    run(process.execPath, [tsc, '-p', path.join(ROOT, 'bench', 'tsconfig.build.json')]),
  ]);
  log('seeded and built');

  const gateway = await startGateway(serverEnv(options.databaseUrl, secretKey));
  const idle = await readProbe(gateway.child, true);
  log(`gateway at ${gateway.url} (pid ${gateway.child.pid}): RSS ${idle.rssMb} MB idle`);

  const load = fork(path.join(ROOT, 'scripts', 'soak-load.ts'), [], {
    cwd: ROOT,
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  children.add(load);
  const stats = () =>
    new Promise<LoadStats>((resolve) => {
      const on = (m: LoadStats) => {
        if (m?.type !== 'stats') return;
        load.off('message', on);
        resolve(m);
      };
      load.on('message', on);
      load.send({ type: 'stats' });
    });
  const start: LoadStart = {
    type: 'start',
    url: gateway.url,
    fixture,
    concurrency: options.concurrency,
  };
  load.send(start);
  const loadStarted = performance.now();

  const snapshot = async (name: string) => {
    const file = path.join(RESULTS, `soak-${name}.heapsnapshot`);
    await new Promise<void>((resolve) => {
      const on = (m: { probe?: string }) => {
        if (m?.probe !== 'snapshot') return;
        gateway.child.off('message', on);
        resolve();
      };
      gateway.child.on('message', on);
      gateway.child.send({ probe: 'snapshot', file });
    });
    log(`wrote ${file} (not committed)`);
  };
  let warmSnapshotTaken = false;
  const samples: Sample[] = [];
  const errorSamples: string[] = [];
  const byOperation: LoadStats['byOperation'] = {};
  let previous = loadStarted;
  const end = loadStarted + options.minutes * 60_000;
  while (performance.now() < end) {
    await new Promise((r) =>
      setTimeout(r, Math.min(options.sampleSec * 1000, end - performance.now())),
    );
    const [probe, window] = await Promise.all([readProbe(gateway.child, true, true), stats()]);
    const now = performance.now();
    for (const [name, c] of Object.entries(window.byOperation)) {
      const total = (byOperation[name] ??= { requests: 0, errors: 0 });
      total.requests += c.requests;
      total.errors += c.errors;
    }
    if (window.errorSample && errorSamples.length < 20) errorSamples.push(window.errorSample);
    const sample: Sample = {
      t: round1((now - loadStarted) / 1000),
      rssMb: probe.rssMb,
      heapUsedMb: probe.heapUsedMb,
      heapTotalMb: probe.heapTotalMb,
      externalMb: probe.externalMb,
      peakRssMb: probe.peakRssMb,
      heapSpacesMb: probe.heapSpacesMb,
      liveHeapMb: probe.liveHeap?.heapUsedMb ?? null,
      fullCollections: probe.liveHeap?.fullCollections ?? 0,
      liveHeapSpacesMb: probe.liveHeap?.heapSpacesMb,
      eventLoopDelayMs: probe.eventLoopDelayMs,
      requests: window.requests,
      rps: round1(window.requests / ((now - previous) / 1000)),
      errors: window.errors,
      latencyMs: window.latencyMs,
    };
    previous = now;
    samples.push(sample);
    if (options.heapSnapshot && !warmSnapshotTaken && sample.t >= 120) {
      warmSnapshotTaken = true;
      await snapshot('minute-2');
      previous = performance.now();
    }
    if (samples.length % Math.max(1, Math.round(30 / options.sampleSec)) === 0)
      log(
        `RSS ${sample.rssMb} MB, heap ${sample.heapUsedMb}/${sample.heapTotalMb} MB, ` +
          `live ${sample.liveHeapMb ?? '-'} MB, ` +
          `loop delay p99 ${sample.eventLoopDelayMs.p99} ms, ${sample.rps} req/s, errors ${sample.errors}` +
          (window.errorSample ? ` (${window.errorSample.slice(0, 200)})` : ''),
      );
  }

  if (options.heapSnapshot) await snapshot('end');
  load.send({ type: 'stop' });
  let final: LoadStats | undefined;
  load.on('message', (m: LoadStats) => {
    if (m?.type === 'final') final = m;
  });
  await new Promise<void>((resolve) => {
    const timer = setTimeout(() => {
      load.kill('SIGKILL');
      resolve();
    }, 40_000);
    load.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
  });
  gateway.child.kill('SIGTERM');
  await new Promise((r) => gateway.child.once('exit', r));
  const gatewayLog = gateway
    .output()
    .split('\n')
    .filter((l) => l.trim() && !/ready at/.test(l))
    .join('\n');

  // Growth after the warm-up: minute 2 against the last minute, medians of their samples.
  const lastMinuteFrom = options.minutes * 60 - 60;
  const inWindow = (from: number, to: number) => samples.filter((s) => s.t > from && s.t <= to);
  const warm = inWindow(60, 120);
  const last = inWindow(lastMinuteFrom, options.minutes * 60 + options.sampleSec);
  // RSS: the median of each window (V8 commits and releases pages as it goes). The live heap:
  // the floor of each window, what a leak raises; the figures above it hold the objects of the
  // requests in flight during that collection (16 of them).
  const growth = (key: 'rssMb' | 'liveHeapMb', of: (values: number[]) => number) => {
    const values = (window: Sample[]) =>
      window.map((s) => s[key]).filter((v): v is number => v !== null);
    const [from, to] = [values(warm), values(last)];
    const measured = from.length > 0 && to.length > 0;
    return {
      measured,
      minute2Mb: measured ? of(from) : null,
      lastMinuteMb: measured ? of(to) : null,
      pct: measured ? round1(((of(to) - of(from)) / of(from)) * 100) : null,
      medians: { minute2Mb: median(from), lastMinuteMb: median(to) },
    };
  };
  const rss = growth('rssMb', median);
  const liveHeap = growth('liveHeapMb', (values) => Math.min(...values));
  const within = (g: ReturnType<typeof growth>) => g.pct !== null && g.pct < GROWTH_BOUND_PCT;
  if (final) {
    for (const [name, c] of Object.entries(final.byOperation)) {
      const total = (byOperation[name] ??= { requests: 0, errors: 0 });
      total.requests += c.requests;
      total.errors += c.errors;
    }
    if (final.errorSample && errorSamples.length < 20) errorSamples.push(final.errorSample);
  }
  // Every request counts, also those that ended after the last sample.
  const requests = samples.reduce((n, s) => n + s.requests, final?.requests ?? 0);
  const errors = samples.reduce((n, s) => n + s.errors, final?.errors ?? 0);
  const p99s = samples.map((s) => s.eventLoopDelayMs.p99);
  const afterWarmup = samples.filter((s) => s.t > 60);
  const result = {
    passed: errors === 0 && within(rss) && within(liveHeap),
    requests,
    errors,
    growth: { boundPct: GROWTH_BOUND_PCT, rss, liveHeap },
    peakRssMb: Math.max(...samples.map((s) => s.peakRssMb)),
    peakRssAfterWarmupMb: Math.max(...afterWarmup.map((s) => s.peakRssMb)),
    eventLoopDelayMs: {
      p99Median: median(p99s),
      p99Max: Math.max(...p99s),
      max: Math.max(...samples.map((s) => s.eventLoopDelayMs.max)),
    },
    byOperation,
    errorSamples,
    meta: {
      date: new Date().toISOString(),
      minutes: options.minutes,
      sampleSec: options.sampleSec,
      concurrency: options.concurrency,
      node: process.version,
      idle: { rssMb: idle.rssMb, heapUsedMb: idle.heapUsedMb },
      seed: fixture.counts,
      gatewayLogTail: gatewayLog.slice(-2000),
    },
    samples,
  };

  mkdirSync(RESULTS, { recursive: true });
  writeFileSync(path.join(RESULTS, 'soak.json'), `${JSON.stringify(result, null, 2)}\n`);
  const minutes = (s: Sample) => s.t / 60;
  const png = plotPng(
    `SOAK ${result.meta.date.slice(0, 16).replace('T', ' ')} UTC: ${options.minutes} MIN, C=${options.concurrency}, ${requests} REQUESTS, ${errors} ERRORS`,
    'MINUTES UNDER LOAD',
    options.minutes,
    [
      {
        title: `GATEWAY MEMORY (MB): RSS ${signed(rss.pct)}, LIVE HEAP ${signed(liveHeap.pct)} FROM MINUTE 2`,
        series: [
          {
            label: 'RSS',
            color: [31, 119, 180],
            points: samples.map((s) => ({ x: minutes(s), y: s.rssMb })),
          },
          {
            label: 'HEAP TOTAL',
            color: [148, 103, 189],
            points: samples.map((s) => ({ x: minutes(s), y: s.heapTotalMb })),
          },
          {
            label: 'HEAP USED',
            color: [255, 127, 14],
            points: samples.map((s) => ({ x: minutes(s), y: s.heapUsedMb })),
          },
          {
            label: 'LIVE HEAP',
            color: [44, 160, 44],
            points: samples.flatMap((s) =>
              s.liveHeapMb === null ? [] : [{ x: minutes(s), y: s.liveHeapMb }],
            ),
          },
        ],
      },
      {
        title: 'EVENT-LOOP DELAY (MS)',
        series: [
          {
            label: 'P99',
            color: [214, 39, 40],
            points: samples.map((s) => ({ x: minutes(s), y: s.eventLoopDelayMs.p99 })),
          },
          {
            label: 'P50',
            color: [44, 160, 44],
            points: samples.map((s) => ({ x: minutes(s), y: s.eventLoopDelayMs.p50 })),
          },
        ],
      },
      {
        title: 'THROUGHPUT (REQ/S) AND ERRORS',
        series: [
          {
            label: 'REQ/S',
            color: [31, 119, 180],
            points: samples.map((s) => ({ x: minutes(s), y: s.rps })),
          },
          {
            label: 'ERRORS',
            color: [214, 39, 40],
            points: samples.map((s) => ({ x: minutes(s), y: s.errors })),
          },
        ],
      },
    ],
  );
  writeFileSync(path.join(RESULTS, 'soak.png'), png);

  log(
    `${requests} requests, ${errors} errors; RSS ${rss.minute2Mb} → ${rss.lastMinuteMb} MB (${signed(rss.pct)}), ` +
      `live heap ${liveHeap.minute2Mb} → ${liveHeap.lastMinuteMb} MB (${signed(liveHeap.pct)}; bound < ${GROWTH_BOUND_PCT}%` +
      `${liveHeap.measured ? '' : '; V8 ran no full collection in one of the two minutes, so it cannot be told'}); ` +
      `event-loop delay p99 median ${result.eventLoopDelayMs.p99Median} ms, max p99 ${result.eventLoopDelayMs.p99Max} ms; ` +
      `peak RSS ${result.peakRssMb} MB`,
  );
  for (const e of errorSamples.slice(0, 5)) log(`error: ${e}`);
  if (gatewayLog) log(`the gateway logged:\n${gatewayLog.slice(-1500)}`);
  log(
    `wrote bench/results/soak.json and bench/results/soak.png: ${result.passed ? 'PASSED' : 'FAILED'}`,
  );
  return result.passed ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error) => {
    console.error(error);
    killChildren();
    process.exit(1);
  },
);
