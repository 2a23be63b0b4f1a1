/**
 * `npm run bench [-- --quick]`: the gateway against a bare node:http + pg baseline.
 *
 * 1. Compiles the gateway and the baseline (tsc → bench/.build) while it recreates and seeds
 *    the bench database (BENCH_DATABASE_URL).
 * 2. Runs every scenario once in this process, on pools that record each statement: the real
 *    gateway (`createGateway` + `executeOperation`) and the baseline handler. That gives the
 *    statements per request, and checks that the baseline executes the same SQL texts as the
 *    gateway for the mutations.
 * 3. Starts the gateway (`node bench/.build/src/main.js`, NODE_ENV=production) and the
 *    baseline as their own processes; checks that both answer every scenario with success and
 *    that the reads return the same JSON.
 * 4. Rounds: for every scenario and concurrency, a warm-up and a measured autocannon run at the
 *    gateway and at the baseline, the order alternating between rounds; CPU time of the server
 *    process from /proc. Ratios are medians of the per-round ratios.
 * 5. Prints one table; writes bench/results/latest.{md,json} and a dated JSON copy.
 *
 * Exit code 0 when everything ran without an error; 1 when any request failed or a check did
 * not pass; 2 on bad arguments; 3 when the time bound was hit.
 */
import 'reflect-metadata';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { isDeepStrictEqual } from 'node:util';
import { parse, validate } from 'graphql';
import pg from 'pg';
import { createLogger } from '../src/logger.js';
import { LIMITS, operationCost } from '../src/limits.js';
import { buildGatewaySchema } from '../resolvers/schema.js';
import { createGateway } from '../src/server.js';
import { createBaseline } from './baseline-server.js';
import { countingPool, normalizeSql } from './counting.js';
import { measureEmbeddedStarts, type EmbeddedStart } from './embedded-start.js';
import { cpuMsOf, runLoad, type LoadResult } from './load.js';
import { backendCpu, backendCpuBetween } from './pg-cpu.js';
import { serverEnv, START_PROD_FLAGS } from './start-flags.js';
import { PROBE_NODE_ARGS, readProbe, type ProbeSample } from './memory.js';
import { formatProfile, summarizeProfile } from './profile.js';
import {
  markdownTable,
  median,
  summarize,
  TABLE_HEADER,
  tableRows,
  textTable,
  type RunRecord,
  type ScenarioSummary,
  type Target,
} from './report.js';
import { scenarios as buildScenarios, type Scenario, type ScenarioId } from './scenarios.js';
import { seedBenchDatabase, type Fixture } from './seed.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const BENCH = path.join(ROOT, 'bench');
const BUILD = path.join(BENCH, '.build');
const RESULTS = path.join(BENCH, 'results');
/**
 * The node flags the gateway's start script runs it with (`package.json` `start:prod`; see
 * README "Memory"). Both servers get the same flags, so the comparison stays one of code;
 * `--server-node-args` replaces them for both.
 */
const GATEWAY_NODE_FLAGS = START_PROD_FLAGS;
const DEFAULT_DATABASE_URL = 'postgresql://postgres@/cgw_bench?host=/var/run/postgresql';

/**
 * The targets of the second performance round, printed next to the results (information; the
 * bench does not fail on them): throughput ratios at least, CPU-per-request ratios at most.
 */
const TARGETS = { mutationRatio: 0.85, mutationCpuRatio: 1.4, readRatio: 0.8, readCpuRatio: 2.0 };
/** Memory targets (MB): a server's peak RSS during each scenario at c=64, the embedded start. */
const MEMORY_TARGETS = {
  serverPeakRssMbC64: 200,
  embeddedReadyRssMb: 300,
  embeddedRestartReadyMs: 3000,
};

// --- options --------------------------------------------------------------------------------

interface Options {
  quick: boolean;
  rounds: number;
  durationSec: number;
  warmupSec: number;
  mutationConcurrency: number[];
  readConcurrency: number[];
  only: Set<ScenarioId> | null;
  timeLimitSec: number;
  databaseUrl: string;
  /** Profile the gateway (`node --cpu-prof`) per scenario instead of measuring rounds. */
  profile: boolean;
  /** Extra `node` flags for both server processes (e.g. `--max-semi-space-size=16`). */
  serverNodeArgs: string[];
  /** Measure the embedded `npm start` (first start and restart) before the rest. */
  embedded: boolean;
}

function usage(message?: string): never {
  if (message) console.error(message);
  console.error(`usage: npm run bench -- [--quick] [--rounds N] [--duration S] [--warmup S]
                        [--concurrency 1,16,64] [--read-concurrency 16]
                        [--only updateOesConnection,patchDatabaseConnection,orgConnections,connectorConnections]
                        [--time-limit S] [--profile] [--server-node-args "--flag …"] [--no-embedded]
  --no-embedded: skip the embedded npm start's memory and time figures
  --profile: instead of the rounds, run each scenario at c=16 against a fresh gateway started
             with node --cpu-prof, and print where its CPU time goes (bench/results/profiles/)
env: BENCH_DATABASE_URL (default ${DEFAULT_DATABASE_URL}); the database is dropped and recreated.`);
  process.exit(2);
}

function parseOptions(argv: string[]): Options {
  const quick = argv.includes('--quick');
  const options: Options = {
    quick,
    rounds: quick ? 1 : 3,
    durationSec: quick ? 3 : 10,
    warmupSec: quick ? 1 : 2,
    mutationConcurrency: [1, 16, 64],
    readConcurrency: [16],
    only: null,
    timeLimitSec: quick ? 290 : 45 * 60,
    databaseUrl: process.env.BENCH_DATABASE_URL || DEFAULT_DATABASE_URL,
    profile: false,
    serverNodeArgs: [...GATEWAY_NODE_FLAGS],
    embedded: true,
  };
  const list = (v: string) =>
    v
      .split(',')
      .map((x) => Number(x.trim()))
      .filter((n) => Number.isInteger(n) && n > 0);
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined) usage(`${arg} needs a value`);
      return v;
    };
    switch (arg) {
      case '--quick':
        break;
      case '--profile':
        options.profile = true;
        break;
      case '--no-embedded':
        options.embedded = false;
        break;
      case '--server-node-args':
        options.serverNodeArgs = value().split(/\s+/).filter(Boolean);
        break;
      case '--rounds':
        options.rounds = Math.max(1, Number(value()) | 0);
        break;
      case '--duration':
        options.durationSec = Math.max(1, Number(value()));
        break;
      case '--warmup':
        options.warmupSec = Math.max(0, Number(value()));
        break;
      case '--concurrency':
        options.mutationConcurrency = list(value());
        break;
      case '--read-concurrency':
        options.readConcurrency = list(value());
        break;
      case '--only':
        options.only = new Set(
          value()
            .split(',')
            .map((s) => s.trim()) as ScenarioId[],
        );
        break;
      case '--time-limit':
        options.timeLimitSec = Math.max(10, Number(value()));
        break;
      case '--help':
      case '-h':
        usage();
        break;
      default:
        usage(`unknown argument ${arg}`);
    }
  }
  return options;
}

// --- child processes ------------------------------------------------------------------------

const children = new Set<ChildProcess>();

function stopChildren(signal: NodeJS.Signals = 'SIGINT') {
  for (const child of children)
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
}

/** Stops a server: `signal`, then SIGKILL after `graceMs` (the measurements are over by then). */
async function stopChild(
  child: ChildProcess,
  graceMs = 3_000,
  signal: NodeJS.Signals = 'SIGINT',
): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill(signal);
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
  children.delete(child);
}

/** Starts a server process and resolves with its URL once it printed `<marker> http://…`. */
function startServer(
  name: string,
  script: string,
  env: Record<string, string>,
  marker: RegExp,
  nodeArgs: string[] = [],
  timeoutMs = 60_000,
): Promise<{ child: ChildProcess; url: string; output: () => string }> {
  const child = spawn(process.execPath, [...PROBE_NODE_ARGS, ...nodeArgs, script], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  children.add(child);
  let output = '';
  const keep = (chunk: Buffer) => {
    output += chunk.toString('utf8');
    if (output.length > 200_000) output = output.slice(-100_000);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`${name} did not become ready in ${timeoutMs} ms:\n${output}`)),
      timeoutMs,
    );
    const check = () => {
      const match = marker.exec(output);
      if (match) {
        clearTimeout(timer);
        child.stdout!.off('data', check);
        resolve({ child, url: match[1], output: () => output });
      }
    };
    child.stdout!.on('data', check);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited (${code ?? signal}) before it was ready:\n${output}`));
    });
  });
}

function build(): Promise<{ ok: boolean; ms: number; output: string }> {
  const started = performance.now();
  const tsc = path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [tsc, '-p', path.join(BENCH, 'tsconfig.build.json')], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.add(child);
    let output = '';
    child.stdout!.on('data', (c: Buffer) => (output += c.toString('utf8')));
    child.stderr!.on('data', (c: Buffer) => (output += c.toString('utf8')));
    child.once('exit', (code) => {
      children.delete(child);
      resolve({ ok: code === 0, ms: Math.round(performance.now() - started), output });
    });
  });
}

// --- machine CPU ----------------------------------------------------------------------------

function machineTicks(): { busy: number; total: number } {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0];
  const values = line.trim().split(/\s+/).slice(1).map(Number);
  const idle = values[3] + (values[4] ?? 0);
  const total = values.reduce((a, b) => a + b, 0);
  return { busy: total - idle, total };
}

// --- the statement capture and the checks ---------------------------------------------------

interface StatementCapture {
  gateway: string[];
  baseline: string[];
  /** For the mutations: whether the baseline executed exactly the gateway's statement texts. */
  identical: boolean;
}

interface Availability {
  available: Scenario[];
  unavailable: Partial<Record<ScenarioId, string>>;
}

async function captureStatements(
  options: Options,
  fixture: Fixture,
  all: Scenario[],
  secretKeys: { id: string; key: Buffer }[],
): Promise<{
  availability: Availability;
  statements: Partial<Record<ScenarioId, StatementCapture>>;
  problems: string[];
}> {
  const gatewayPool = countingPool(options.databaseUrl);
  const baselinePool = countingPool(options.databaseUrl);
  const gateway = await createGateway({
    schema: await buildGatewaySchema(),
    db: gatewayPool.db,
    logger: createLogger('warn'),
    production: true,
    secretKeys,
  });
  const baseline = createBaseline(baselinePool.pool, secretKeys);
  const problems: string[] = [];
  const statements: Partial<Record<ScenarioId, StatementCapture>> = {};
  const availability: Availability = { available: [], unavailable: {} };
  const queryFields = gateway.schema.getQueryType()?.getFields() ?? {};
  const mutationFields = gateway.schema.getMutationType()?.getFields() ?? {};

  try {
    for (const scenario of all) {
      if (options.only && !options.only.has(scenario.id)) continue;
      const fields = scenario.kind === 'mutation' ? mutationFields : queryFields;
      if (!fields[scenario.field]) {
        availability.unavailable[scenario.id] =
          `not available: the schema has no ${scenario.kind === 'mutation' ? 'Mutation' : 'Query'}.${scenario.field}`;
        continue;
      }
      const document = parse(scenario.query);
      const invalid = validate(gateway.schema, document);
      if (invalid.length > 0) {
        availability.unavailable[scenario.id] =
          `not available: the bench's document does not validate: ${invalid.map((e) => e.message).join('; ')}`;
        continue;
      }
      const probe = scenario.probe(0);
      const variables = (JSON.parse(probe.body) as { variables: Record<string, unknown> })
        .variables;
      const cost = operationCost(gateway.schema, document, variables, undefined);
      if (cost > LIMITS.maxCost) {
        availability.unavailable[scenario.id] =
          `not available: estimated cost ${cost} exceeds the gateway's limit ${LIMITS.maxCost}`;
        continue;
      }

      let gatewayBody = '';
      const gatewaySql = await gatewayPool.record(async () => {
        const contextValue = await gateway.contextFor({ authorization: probe.authorization });
        const response = await gateway.apollo.executeOperation(
          { query: scenario.query, variables },
          { contextValue },
        );
        gatewayBody =
          response.body.kind === 'single'
            ? JSON.stringify(response.body.singleResult)
            : '(incremental)';
      });
      if (!scenario.ok(gatewayBody)) {
        availability.unavailable[scenario.id] =
          `not available: the gateway answered the probe with ${gatewayBody.slice(0, 300)}`;
        continue;
      }
      // Mutations: the baseline on the second probe row (the first one is changed now).
      const baselineProbe = scenario.kind === 'mutation' ? scenario.probe(1) : probe;
      let baselineBody = '';
      const baselineSql = await baselinePool.record(async () => {
        const answer = await baseline.handle(
          scenario.baselinePath,
          baselineProbe.authorization,
          baselineProbe.body,
        );
        baselineBody = answer.body;
      });
      if (!scenario.ok(baselineBody))
        problems.push(
          `${scenario.id}: the baseline answered the probe with ${baselineBody.slice(0, 300)}`,
        );
      const identical =
        gatewaySql.length === baselineSql.length &&
        gatewaySql.every((s, i) => normalizeSql(s) === normalizeSql(baselineSql[i]));
      if (scenario.kind === 'mutation' && !identical) {
        problems.push(
          `${scenario.id}: the baseline's statements differ from the gateway's — update bench/baseline-server.ts.\n` +
            `  gateway:  ${gatewaySql.map(normalizeSql).join('\n            ')}\n` +
            `  baseline: ${baselineSql.map(normalizeSql).join('\n            ')}`,
        );
      }
      statements[scenario.id] = {
        gateway: gatewaySql.map(normalizeSql),
        baseline: baselineSql.map(normalizeSql),
        identical,
      };
      availability.available.push(scenario);
    }
  } finally {
    await gateway.apollo.stop();
    await gatewayPool.close();
    await baselinePool.close();
  }
  return { availability, statements, problems };
}

/** First path at which two JSON values differ (for the read comparison). */
function firstDifference(a: unknown, b: unknown, at = '$'): string | null {
  if (isDeepStrictEqual(a, b)) return null;
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length !== b.length) return `${at}: ${a.length} items vs ${b.length}`;
    for (let i = 0; i < a.length; i++) {
      const d = firstDifference(a[i], b[i], `${at}[${i}]`);
      if (d) return d;
    }
  } else if (a && b && typeof a === 'object' && typeof b === 'object') {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    for (const k of keys) {
      const d = firstDifference(
        (a as Record<string, unknown>)[k],
        (b as Record<string, unknown>)[k],
        `${at}.${k}`,
      );
      if (d) return d;
    }
  }
  return `${at}: ${JSON.stringify(a)?.slice(0, 200)} vs ${JSON.stringify(b)?.slice(0, 200)}`;
}

async function post(
  url: string,
  request: { authorization: string; body: string },
): Promise<{ status: number; body: string }> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: request.authorization },
    body: request.body,
  });
  return { status: response.status, body: await response.text() };
}

// --- main -----------------------------------------------------------------------------------

async function main(): Promise<number> {
  const options = parseOptions(process.argv.slice(2));
  const startedAt = new Date();
  const started = performance.now();
  const elapsed = () => `${((performance.now() - started) / 1000).toFixed(1)} s`;
  const log = (line: string) => console.log(`[bench ${elapsed()}] ${line}`);

  const deadline = setTimeout(() => {
    console.error(`[bench] the time bound of ${options.timeLimitSec} s was hit: stopping`);
    stopChildren('SIGKILL');
    process.exit(3);
  }, options.timeLimitSec * 1000);

  const secretKey = randomBytes(32);
  const secretKeys = [{ id: 'k1', key: secretKey }];
  log(
    `${options.quick ? 'quick' : 'full'} run: ${options.rounds} round(s) of ${options.durationSec} s runs (warm-up ${options.warmupSec} s), ` +
      `mutations at c=${options.mutationConcurrency.join('/')}, reads at c=${options.readConcurrency.join('/')}`,
  );

  // 0. the embedded start, while the machine is still quiet
  let embedded: EmbeddedStart[] = [];
  if (options.embedded && !options.profile) {
    log('embedded npm start: a first start on a fresh DATA_DIR, then a restart');
    embedded = await measureEmbeddedStarts();
    for (const e of embedded)
      log(
        `  ${e.start}: ready in ${e.readyMs} ms (CPU ${e.readyCpuMs} ms), RSS ${e.readyRssMb} MB once ready, ` +
          `${e.settledRssMb} MB 2 s later, peak ${e.peakRssMb} MB`,
      );
  }

  // 1. build and seed at the same time
  const building = build();
  log(`seeding ${options.databaseUrl.replace(/:[^:@/]*@/, ':***@')}`);
  const fixture = await seedBenchDatabase({
    databaseUrl: options.databaseUrl,
    secretKeys,
    log: (l) => log(l),
  });
  const all = buildScenarios(fixture);

  // 2. statements per request, in-process
  const capture = await captureStatements(options, fixture, all, secretKeys);
  const { available, unavailable } = capture.availability;
  for (const [id, reason] of Object.entries(unavailable)) log(`${id}: ${reason}`);
  for (const scenario of available) {
    const s = capture.statements[scenario.id]!;
    log(
      `${scenario.id}: ${s.gateway.length} statements in the gateway, ${s.baseline.length} in the baseline${scenario.kind === 'mutation' ? (s.identical ? ' (identical)' : ' (DIFFERENT)') : ''}`,
    );
  }
  const problems = [...capture.problems];

  const built = await building;
  const gatewayScript = path.join(BUILD, 'src', 'main.js');
  const baselineScript = path.join(BUILD, 'bench', 'baseline-server.js');
  if (!built.ok) {
    const head = built.output.split('\n').slice(0, 15).join('\n');
    if (!existsSync(gatewayScript) || !existsSync(baselineScript))
      throw new Error(`the build failed:\n${head}`);
    log(`WARNING: tsc reported errors (the emitted JavaScript is used anyway):\n${head}`);
  }
  log(`built in ${built.ms} ms`);

  // 3. the two servers
  const env = serverEnv(options.databaseUrl, secretKey);
  const nodeArgs = options.serverNodeArgs;
  if (nodeArgs.length) log(`both servers run with node ${nodeArgs.join(' ')}`);
  const gatewayServer = await startServer(
    'the gateway',
    gatewayScript,
    env,
    /ready at (http:\/\/\S+\/graphql)/,
    nodeArgs,
  );
  const baselineServer = await startServer(
    'the baseline',
    baselineScript,
    env,
    /baseline ready at (http:\/\/\S+?)\/?\s/,
    nodeArgs,
  );
  const pids: Record<Target, number> = {
    gateway: gatewayServer.child.pid!,
    baseline: baselineServer.child.pid!,
  };
  const idle: Record<Target, ProbeSample> = {
    gateway: await readProbe(gatewayServer.child, false),
    baseline: await readProbe(baselineServer.child, false),
  };
  const urlOf = (target: Target, scenario: Scenario) =>
    target === 'gateway' ? gatewayServer.url : `${baselineServer.url}${scenario.baselinePath}`;
  log(
    `gateway at ${gatewayServer.url} (pid ${pids.gateway}), baseline at ${baselineServer.url} (pid ${pids.baseline})`,
  );

  // 4. both answer every scenario; the reads with the same JSON
  const checks: Record<
    string,
    { gateway: boolean; baseline: boolean; sameJson?: boolean; difference?: string }
  > = {};
  for (const scenario of available) {
    const request = scenario.kind === 'read' ? scenario.probe(1) : scenario.next();
    const gw = await post(urlOf('gateway', scenario), request);
    const base = await post(
      urlOf('baseline', scenario),
      scenario.kind === 'read' ? request : scenario.next(),
    );
    const check: (typeof checks)[string] = {
      gateway: gw.status === 200 && scenario.ok(gw.body),
      baseline: base.status === 200 && scenario.ok(base.body),
    };
    if (!check.gateway)
      problems.push(
        `${scenario.id}: the gateway process answered ${gw.status} ${gw.body.slice(0, 300)}`,
      );
    if (!check.baseline)
      problems.push(
        `${scenario.id}: the baseline process answered ${base.status} ${base.body.slice(0, 300)}`,
      );
    if (scenario.kind === 'read' && check.gateway && check.baseline) {
      const difference = firstDifference(JSON.parse(gw.body), JSON.parse(base.body));
      check.sameJson = difference === null;
      if (difference) {
        check.difference = difference;
        problems.push(
          `${scenario.id}: the baseline's JSON differs from the gateway's at ${difference}`,
        );
      }
      log(
        `${scenario.id}: ${check.sameJson ? 'same JSON' : 'DIFFERENT JSON'} from both (${gw.body.length} / ${base.body.length} bytes)`,
      );
    }
    checks[scenario.id] = check;
  }

  if (options.profile) {
    await Promise.all([stopChild(gatewayServer.child), stopChild(baselineServer.child)]);
    await profileServers(
      options,
      available,
      { gateway: gatewayScript, baseline: baselineScript },
      env,
      log,
    );
    clearTimeout(deadline);
    return problems.length === 0 ? 0 : 1;
  }

  // 5. the rounds, after a warm-up of both servers on every scenario (JIT, pools, caches)
  const runs: RunRecord[] = [];
  let warmupFailures = 0;
  const pairs = available.flatMap((scenario) =>
    (scenario.kind === 'mutation' ? options.mutationConcurrency : options.readConcurrency).map(
      (concurrency) => ({ scenario, concurrency }),
    ),
  );
  if (options.warmupSec > 0) {
    const seconds = options.warmupSec * 2;
    log(`warming both servers up: ${seconds} s per scenario each, at c=16`);
    for (const scenario of available) {
      for (const target of ['gateway', 'baseline'] as Target[]) {
        const warm = await runLoad({
          url: urlOf(target, scenario),
          connections: 16,
          durationSec: seconds,
          next: scenario.next,
          ok: scenario.ok,
          pid: pids[target],
        });
        warmupFailures += warm.errors + warm.non2xx + warm.badResponses;
        if (warm.badSample)
          log(
            `  ${scenario.id} ${target}: unexpected answer during the warm-up: ${warm.badSample}`,
          );
      }
    }
  }
  const benchPid = process.pid;
  const backends = await backendCpu(options.databaseUrl);
  const serverOf = (target: Target) => (target === 'gateway' ? gatewayServer : baselineServer);
  const memoryOfRuns: {
    scenario: ScenarioId;
    concurrency: number;
    target: Target;
    memory: ProbeSample;
  }[] = [];
  for (let round = 0; round < options.rounds; round++) {
    log(`round ${round + 1} of ${options.rounds}`);
    for (const { scenario, concurrency } of pairs) {
      const order: Target[] =
        (round + pairs.findIndex((p) => p.scenario === scenario && p.concurrency === concurrency)) %
          2 ===
        0
          ? ['gateway', 'baseline']
          : ['baseline', 'gateway'];
      const line: string[] = [];
      for (const [position, target] of order.entries()) {
        const load = (durationSec: number) =>
          runLoad({
            url: urlOf(target, scenario),
            connections: concurrency,
            durationSec,
            next: scenario.next,
            ok: scenario.ok,
            pid: pids[target],
          });
        if (options.warmupSec > 0) {
          const warm = await load(options.warmupSec);
          warmupFailures += warm.errors + warm.non2xx + warm.badResponses;
        }
        await readProbe(serverOf(target).child, true);
        const machineBefore = machineTicks();
        const backendsBefore = await backends?.sample();
        const benchBefore = cpuMsOf(benchPid);
        const result: LoadResult = await load(options.durationSec);
        const benchCpu = cpuMsOf(benchPid) - benchBefore;
        const backendsAfter = await backends?.sample();
        const pgCpu =
          backendsBefore && backendsAfter ? backendCpuBetween(backendsBefore, backendsAfter) : NaN;
        const memory = await readProbe(serverOf(target).child, false);
        const machineAfter = machineTicks();
        const machineBusyPct =
          (100 * (machineAfter.busy - machineBefore.busy)) /
          Math.max(1, machineAfter.total - machineBefore.total);
        runs.push({
          round,
          scenario: scenario.id,
          kind: scenario.kind,
          concurrency,
          target,
          first: position === 0,
          result,
          machineBusyPct,
          benchCpuMsPerRequest: result.requests ? benchCpu / result.requests : NaN,
          pgCpuMsPerRequest: result.requests ? pgCpu / result.requests : NaN,
        });
        memoryOfRuns.push({ scenario: scenario.id, concurrency, target, memory });
        const failures = result.errors + result.non2xx + result.badResponses;
        line.push(
          `${target} ${Math.round(result.rps)} req/s p50 ${result.p50Ms.toFixed(2)} p99 ${result.p99Ms.toFixed(2)} ms ` +
            `cpu ${result.cpuMsPerRequest.toFixed(3)} ms/req pg ${(pgCpu / result.requests).toFixed(3)} ms/req rss ${Math.round(memory.peakRssMb)} MB${failures ? ` FAILURES ${failures}` : ''}`,
        );
        if (result.badSample)
          log(`  ${scenario.id} ${target}: unexpected answer ${result.badSample}`);
      }
      log(`  ${scenario.id} c=${concurrency}: ${line.join(' | ')}`);
    }
  }

  // What the servers logged while measured (the gateway runs with LOG_LEVEL=warn), before
  // the shutdown adds its own lines.
  const logOf = (server: { output: () => string }) =>
    server
      .output()
      .split('\n')
      .filter((l) => l.trim() && !/ready at/.test(l))
      .join('\n');
  const gatewayLog = logOf(gatewayServer);
  const baselineLog = logOf(baselineServer);
  if (gatewayLog) log(`the gateway logged during the bench:\n${gatewayLog.slice(-1500)}`);
  if (baselineLog) log(`the baseline logged during the bench:\n${baselineLog.slice(-1500)}`);
  await Promise.all([stopChild(gatewayServer.child), stopChild(baselineServer.child)]);
  await backends?.close();

  // 6. results
  const statementCounts: Partial<Record<ScenarioId, { gateway: number; baseline: number }>> = {};
  for (const [id, s] of Object.entries(capture.statements)) {
    statementCounts[id as ScenarioId] = { gateway: s.gateway.length, baseline: s.baseline.length };
  }
  const summaries = summarize(runs, statementCounts);
  const find = (id: ScenarioId, c: number) =>
    summaries.find((s) => s.scenario === id && s.concurrency === c);
  const mutationIds: ScenarioId[] = ['updateOesConnection', 'patchDatabaseConnection'];
  const weakest = (c: number, key: 'ratio' | 'cpuRatio') => {
    const list = mutationIds
      .map((id) => find(id, c))
      .filter((s): s is ScenarioSummary => !!s && Number.isFinite(s[key]));
    if (list.length === 0)
      return { value: null as number | null, scenario: null as ScenarioId | null };
    const pickWorst =
      key === 'ratio'
        ? (a: ScenarioSummary, b: ScenarioSummary) => (a[key] <= b[key] ? a : b)
        : (a: ScenarioSummary, b: ScenarioSummary) => (a[key] >= b[key] ? a : b);
    const worst = list.reduce(pickWorst);
    return { value: worst[key], scenario: worst.scenario };
  };
  const reads = summaries.filter((s) => s.kind === 'read');
  const readWorst = reads.length ? reads.reduce((a, b) => (a.ratio <= b.ratio ? a : b)) : null;
  /** The page that costs the most CPU per request against the baseline. */
  const readCpuWorst = reads.length
    ? reads.reduce((a, b) => (a.cpuRatio >= b.cpuRatio ? a : b))
    : null;
  const errors =
    summaries.reduce(
      (n, s) =>
        n +
        s.gateway.errors +
        s.gateway.non2xx +
        s.gateway.badResponses +
        s.baseline.errors +
        s.baseline.non2xx +
        s.baseline.badResponses,
      0,
    ) + warmupFailures;

  const {
    rows: memoryRows,
    summaryLine: memorySummary,
    ...memory
  } = summarizeMemory(memoryOfRuns, idle, embedded);

  const round3 = (v: number | null) =>
    v === null || !Number.isFinite(v) ? null : Math.round(v * 1000) / 1000;
  const c16 = weakest(16, 'ratio');
  const c64 = weakest(64, 'ratio');
  const c1 = weakest(1, 'ratio');
  const cpu16 = weakest(16, 'cpuRatio');
  const cpu64 = weakest(64, 'cpuRatio');
  const json = {
    mutation: {
      ratioC16: round3(c16.value),
      ratioC64: round3(c64.value),
      ratioC1: round3(c1.value),
      weakestC16: c16.scenario,
      weakestC64: c64.scenario,
      cpuRatioC16: round3(cpu16.value),
      cpuRatioC64: round3(cpu64.value),
    },
    read: {
      ratio: round3(readWorst?.ratio ?? null),
      weakest: readWorst?.scenario ?? null,
      cpuRatio: round3(readCpuWorst?.cpuRatio ?? null),
      weakestCpu: readCpuWorst?.scenario ?? null,
      byScenario: Object.fromEntries(
        (['orgConnections', 'connectorConnections'] as ScenarioId[]).map((id) => [
          id,
          unavailable[id] ??
            round3(median(reads.filter((r) => r.scenario === id).map((r) => r.ratio))),
        ]),
      ),
    },
    errors,
    problems,
    memory,
    targets: TARGETS,
    meetsTargets: {
      mutationRatioC16: c16.value !== null && c16.value >= TARGETS.mutationRatio,
      mutationRatioC64: c64.value !== null && c64.value >= TARGETS.mutationRatio,
      mutationCpuRatio:
        cpu16.value !== null &&
        cpu64.value !== null &&
        cpu16.value <= TARGETS.mutationCpuRatio &&
        cpu64.value <= TARGETS.mutationCpuRatio,
      readRatio: readWorst !== null && readWorst.ratio >= TARGETS.readRatio,
      readCpuRatio: readCpuWorst !== null && readCpuWorst.cpuRatio <= TARGETS.readCpuRatio,
      zeroErrors: errors === 0,
    },
    meta: {
      date: startedAt.toISOString(),
      mode: options.quick ? 'quick' : 'full',
      rounds: options.rounds,
      durationSec: options.durationSec,
      warmupSec: options.warmupSec,
      mutationConcurrency: options.mutationConcurrency,
      readConcurrency: options.readConcurrency,
      totalSec: Math.round((performance.now() - started) / 1000),
      node: process.version,
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model,
      postgres: await serverVersion(options.databaseUrl),
      seed: { ...fixture.counts, tenants: fixture.tenants.length, seedMs: fixture.seedMs },
      buildMs: built.ms,
      serverNodeArgs: options.serverNodeArgs,
      warmupFailures,
      gatewayLogTail: gatewayLog.slice(-2000),
      baselineLogTail: baselineLog.slice(-2000),
    },
    unavailable,
    checks,
    statements: capture.statements,
    scenarios: summaries.map((s) => ({
      scenario: s.scenario,
      kind: s.kind,
      concurrency: s.concurrency,
      ratio: round3(s.ratio),
      cpuRatio: round3(s.cpuRatio),
      perRoundRatios: s.perRoundRatios.map(round3),
      perRoundCpuRatios: s.perRoundCpuRatios.map(round3),
      gateway: roundTarget(s.gateway),
      baseline: roundTarget(s.baseline),
    })),
    runs: runs.map((r) => ({
      round: r.round,
      scenario: r.scenario,
      concurrency: r.concurrency,
      target: r.target,
      first: r.first,
      rps: round3(r.result.rps),
      p50Ms: round3(r.result.p50Ms),
      p99Ms: round3(r.result.p99Ms),
      meanMs: round3(r.result.meanMs),
      requests: r.result.requests,
      cpuMsPerRequest: round3(r.result.cpuMsPerRequest),
      errors: r.result.errors,
      timeouts: r.result.timeouts,
      non2xx: r.result.non2xx,
      badResponses: r.result.badResponses,
      bytesPerRequest: Math.round(r.result.bytesPerRequest),
      machineBusyPct: Math.round(r.machineBusyPct),
      benchCpuMsPerRequest: round3(r.benchCpuMsPerRequest),
      pgCpuMsPerRequest: round3(r.pgCpuMsPerRequest),
    })),
  };

  const rows = tableRows(summaries);
  const f = (v: number | null) => (v === null ? '—' : v.toFixed(2));
  const summaryLines = [
    `mutations, weaker of the two: ratio c=16 ${f(c16.value)}, c=64 ${f(c64.value)} (target ≥ ${TARGETS.mutationRatio}); ` +
      `CPU ratio c=16 ${f(cpu16.value)}, c=64 ${f(cpu64.value)} (target ≤ ${TARGETS.mutationCpuRatio})`,
    `nested reads, weaker: ratio ${f(readWorst?.ratio ?? null)} (${json.read.weakest ?? '—'}; target ≥ ${TARGETS.readRatio}); ` +
      `CPU ratio ${f(readCpuWorst?.cpuRatio ?? null)} (${json.read.weakestCpu ?? '—'}; target ≤ ${TARGETS.readCpuRatio})` +
      (unavailable.connectorConnections
        ? `; connectorConnections ${unavailable.connectorConnections}`
        : ''),
    `errors: ${errors} (must be 0)`,
    memorySummary,
    ...problems.map((p) => `PROBLEM: ${p}`),
  ];
  const heading =
    `${options.quick ? 'Quick' : 'Full'} bench, ${startedAt.toISOString()}: ${options.rounds} round(s) × ${options.durationSec} s, ` +
    `ratios are medians of per-round gateway ÷ baseline`;
  console.log(
    `\n${heading}\n\n${textTable(TABLE_HEADER, rows)}\n\n${textTable(MEMORY_HEADER, memoryRows)}\n\n${summaryLines.join('\n')}\n`,
  );

  mkdirSync(RESULTS, { recursive: true });
  const markdown = [
    `# Bench results`,
    '',
    heading +
      '. `ratio` = gateway req/s ÷ baseline req/s; `CPU ratio` = gateway CPU ms/req ÷ baseline CPU ms/req; `PG CPU ms/req` = CPU of the bench database’s PostgreSQL backends per request (the server’s SQL work, which its own CPU leaves out); `stmts/req` = SQL statements per request (BEGIN/COMMIT included); `errors` = connection errors, timeouts and answers that are not the expected success.',
    '',
    markdownTable(TABLE_HEADER, rows),
    '',
    '## Memory',
    '',
    "Peak RSS (the kernel's VmHWM, reset before each measured run) and peak V8 heap used (sampled every 50 ms) of each server process during each scenario, the largest over the rounds; `idle` is right after start. The embedded rows are `npm start` on a fresh `DATA_DIR` and its restart (time from spawn to `/readyz` 200).",
    '',
    markdownTable(MEMORY_HEADER, memoryRows),
    '',
    ...summaryLines.map((l) => `- ${l}`),
    '',
    `Machine: ${json.meta.cpus} × ${json.meta.cpuModel}, Node ${json.meta.node}, ${json.meta.postgres}. Seed: ${fixture.tenants.length} tenants, ` +
      `${fixture.counts.oes_connections} connections per service kind.`,
    '',
    '## SQL statements per request',
    '',
    ...Object.entries(capture.statements).flatMap(([id, s]) => [
      `### ${id}`,
      '',
      `Gateway (${s.gateway.length}):`,
      '',
      ...s.gateway.map((q, i) => `${i + 1}. \`${q.length > 300 ? `${q.slice(0, 300)}…` : q}\``),
      '',
      `Baseline (${s.baseline.length})${s.identical ? ': the same statements.' : ':'}`,
      '',
      ...(s.identical
        ? []
        : s.baseline.map((q, i) => `${i + 1}. \`${q.length > 300 ? `${q.slice(0, 300)}…` : q}\``)),
      '',
    ]),
  ].join('\n');
  writeFileSync(path.join(RESULTS, 'latest.md'), `${markdown}\n`);
  const text = `${JSON.stringify(json, null, 2)}\n`;
  writeFileSync(path.join(RESULTS, 'latest.json'), text);
  writeFileSync(path.join(RESULTS, `${startedAt.toISOString().replace(/[:.]/g, '-')}.json`), text);
  log(`wrote bench/results/latest.md, bench/results/latest.json and a dated copy`);

  clearTimeout(deadline);
  return errors === 0 && problems.length === 0 ? 0 : 1;
}

/**
 * `--profile`: per scenario and server, a fresh process under `node --cpu-prof`, a warm-up and
 * one load run at c=16; then where its CPU time went. The baseline is profiled too, so the
 * gateway's own cost stands out from what both pay (sockets, pg, JSON).
 */
async function profileServers(
  options: Options,
  available: Scenario[],
  scripts: Record<Target, string>,
  env: Record<string, string>,
  log: (line: string) => void,
): Promise<void> {
  const dir = path.join(RESULTS, 'profiles');
  mkdirSync(dir, { recursive: true });
  const report: string[] = [];
  for (const scenario of available) {
    for (const target of ['gateway', 'baseline'] as Target[]) {
      const name = `${scenario.id}.${target}.cpuprofile`;
      const marker =
        target === 'gateway'
          ? /ready at (http:\/\/\S+\/graphql)/
          : /baseline ready at (http:\/\/\S+?)\/?\s/;
      const server = await startServer(`the profiled ${target}`, scripts[target], env, marker, [
        ...options.serverNodeArgs,
        '-r',
        path.join(BENCH, 'exit-on-sigusr2.cjs'),
        '--cpu-prof',
        `--cpu-prof-dir=${dir}`,
        `--cpu-prof-name=${name}`,
      ]);
      const url = target === 'gateway' ? server.url : `${server.url}${scenario.baselinePath}`;
      const pid = server.child.pid!;
      const load = (durationSec: number) =>
        runLoad({ url, connections: 16, durationSec, next: scenario.next, ok: scenario.ok, pid });
      if (options.warmupSec > 0) await load(options.warmupSec * 2);
      const result = await load(options.durationSec);
      await stopChild(server.child, 15_000, 'SIGUSR2');
      const summary = summarizeProfile(path.join(dir, name));
      const text = formatProfile(
        `${scenario.id}, ${target}, c=16: ${Math.round(result.rps)} req/s, ${result.cpuMsPerRequest.toFixed(3)} ms CPU/req (profiler on)`,
        summary,
      );
      writeFileSync(path.join(dir, `${scenario.id}.${target}.txt`), `${text}\n`);
      report.push(text);
    }
  }
  console.log(`\n${report.join('\n\n')}\n`);
  log(`profiles in bench/results/profiles/ (open a .cpuprofile in Chrome DevTools or speedscope)`);
}

const MEMORY_HEADER = [
  'scenario',
  'c',
  'when',
  'gateway peak RSS MB',
  'gateway peak heap MB',
  'baseline peak RSS MB',
  'baseline peak heap MB',
];

/**
 * Per scenario and concurrency: each server's peak RSS and peak heap used, the largest over
 * the rounds; the idle figures right after start; the embedded start; the memory targets.
 */
function summarizeMemory(
  runs: { scenario: ScenarioId; concurrency: number; target: Target; memory: ProbeSample }[],
  idle: Record<Target, ProbeSample>,
  embedded: EmbeddedStart[],
) {
  const keys = [...new Set(runs.map((r) => `${r.scenario}|${r.concurrency}`))];
  const peak = (target: Target, key: string) => {
    const of = runs.filter((r) => r.target === target && `${r.scenario}|${r.concurrency}` === key);
    return {
      peakRssMb: Math.max(...of.map((r) => r.memory.peakRssMb)),
      peakHeapUsedMb: Math.max(...of.map((r) => r.memory.peakHeapUsedMb)),
    };
  };
  const scenarios = keys.map((key) => {
    const [scenario, concurrency] = key.split('|');
    return {
      scenario: scenario as ScenarioId,
      concurrency: Number(concurrency),
      gateway: peak('gateway', key),
      baseline: peak('baseline', key),
    };
  });
  const c64 = scenarios.filter((s) => s.concurrency === 64);
  const maxOf = (target: Target) =>
    c64.length ? Math.max(...c64.map((s) => s[target].peakRssMb)) : null;
  const peakRssC64 = { gateway: maxOf('gateway'), baseline: maxOf('baseline') };
  const idleOf = (m: ProbeSample) => ({ rssMb: m.rssMb, heapUsedMb: m.heapUsedMb });
  const worstReadyRss = embedded.length ? Math.max(...embedded.map((e) => e.readyRssMb)) : null;
  const worstSettledRss = embedded.length ? Math.max(...embedded.map((e) => e.settledRssMb)) : null;
  const restart = embedded.find((e) => e.start === 'restart');
  const meetsTargets = {
    serverPeakRssC64:
      peakRssC64.gateway !== null && peakRssC64.gateway <= MEMORY_TARGETS.serverPeakRssMbC64,
    embeddedReadyRss:
      worstReadyRss !== null &&
      worstSettledRss !== null &&
      Math.max(worstReadyRss, worstSettledRss) <= MEMORY_TARGETS.embeddedReadyRssMb,
    embeddedRestartReady:
      restart !== undefined && restart.readyMs <= MEMORY_TARGETS.embeddedRestartReadyMs,
  };
  const mb = (v: number) => String(Math.round(v));
  const rows = [
    [
      '(idle)',
      '',
      'after start',
      mb(idle.gateway.rssMb),
      mb(idle.gateway.heapUsedMb),
      mb(idle.baseline.rssMb),
      mb(idle.baseline.heapUsedMb),
    ],
    ...scenarios.map((s) => [
      s.scenario,
      String(s.concurrency),
      'during',
      mb(s.gateway.peakRssMb),
      mb(s.gateway.peakHeapUsedMb),
      mb(s.baseline.peakRssMb),
      mb(s.baseline.peakHeapUsedMb),
    ]),
    ...embedded.map((e) => [
      'embedded npm start',
      '',
      `${e.start}: ready ${e.readyMs} ms, 2 s later`,
      `${e.readyRssMb}, ${e.settledRssMb} (peak ${e.peakRssMb})`,
      '—',
      '—',
      '—',
    ]),
  ];
  const f = (v: number | null) => (v === null ? '—' : String(Math.round(v)));
  const summaryLine =
    `memory: gateway peak RSS at c=64 ${f(peakRssC64.gateway)} MB (baseline ${f(peakRssC64.baseline)} MB; target ≤ ${MEMORY_TARGETS.serverPeakRssMbC64})` +
    (embedded.length
      ? `; embedded npm start RSS once ready ${embedded.map((e) => `${e.start} ${e.readyRssMb}/${e.settledRssMb}`).join(', ')} MB (target ≤ ${MEMORY_TARGETS.embeddedReadyRssMb}), restart ready in ${restart?.readyMs ?? '—'} ms (target ≤ ${MEMORY_TARGETS.embeddedRestartReadyMs})`
      : '');
  return {
    targets: MEMORY_TARGETS,
    meetsTargets,
    peakRssC64,
    idle: { gateway: idleOf(idle.gateway), baseline: idleOf(idle.baseline) },
    scenarios,
    embedded,
    rows,
    summaryLine,
  };
}

function roundTarget(t: ScenarioSummary['gateway']) {
  const r = (v: number, d = 3) => (Number.isFinite(v) ? Math.round(v * 10 ** d) / 10 ** d : null);
  return {
    rps: r(t.rps, 1),
    p50Ms: r(t.p50Ms),
    p99Ms: r(t.p99Ms),
    cpuMsPerRequest: r(t.cpuMsPerRequest, 4),
    pgCpuMsPerRequest: r(t.pgCpuMsPerRequest, 4),
    statementsPerRequest: t.statementsPerRequest,
    errors: t.errors + t.badResponses,
    non2xx: t.non2xx,
    requests: t.requests,
    bytesPerRequest: Math.round(t.bytesPerRequest),
  };
}

async function serverVersion(url: string): Promise<string> {
  const client = new pg.Client({ connectionString: url });
  try {
    await client.connect();
    const { rows } = await client.query('select version()');
    return String(rows[0].version).split(' on ')[0];
  } catch {
    return 'PostgreSQL (version unknown)';
  } finally {
    await client.end().catch(() => {});
  }
}

process.on('SIGINT', () => {
  stopChildren('SIGKILL');
  process.exit(130);
});
process.on('SIGTERM', () => {
  stopChildren('SIGKILL');
  process.exit(143);
});

main().then(
  (code) => {
    stopChildren('SIGKILL');
    process.exit(code);
  },
  (error) => {
    console.error(
      '[bench] failed:',
      error instanceof Error ? (error.stack ?? error.message) : error,
    );
    stopChildren('SIGKILL');
    process.exit(1);
  },
);
