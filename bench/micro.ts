/**
 * `npx tsx bench/micro.ts [--seed] [--only gateway|baseline] [--n N] [--c C] [--scenario id]
 * [--idempotency-key]`:
 * the gateway's and the baseline's request handling in one process, without HTTP, on a
 * PostgreSQL server (`MICRO_DATABASE_URL`, default database `cgw_micro` on the local socket;
 * the seeded fixture's ids and keys in `MICRO_FIXTURE`, default `/tmp/cgw-micro-fixture.json`).
 * It prints the process CPU time per request of each, alternating, so one change to the
 * gateway can be measured in a minute with far less noise than the full bench. The CPU of
 * PostgreSQL itself is not in these numbers; the socket writes to it are. `--idempotency-key`
 * sends every gateway mutation with a fresh `idempotencyKey` (the cost of a safe retry's first
 * call: the key's lock, lookup and record). `MICRO_CPU_PROFILE=path` writes a CPU profile of the
 * measured rounds (for `bench/profile.ts`).
 */
import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { Session } from 'node:inspector';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { HeaderMap } from '@apollo/server';
import pg from 'pg';
import { createDb } from '../db/connect.js';
import { guardTransactions } from '../db/transaction.js';
import { createLogger } from '../src/logger.js';
import { buildGatewaySchema } from '../resolvers/schema.js';
import { createGateway } from '../src/server.js';
import { updateOesConnection } from '../src/services/oes/service.js';
import { createBaseline } from './baseline-server.js';
import { scenarios, type ScenarioId } from './scenarios.js';
import { seedBenchDatabase, type Fixture } from './seed.js';

const args = process.argv.slice(2);
const flag = (name: string) => args.includes(`--${name}`);
const option = (name: string, fallback: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
};
const databaseUrl =
  process.env.MICRO_DATABASE_URL ?? 'postgresql://postgres@/cgw_micro?host=/var/run/postgresql';
/** Where the seeded fixture (ids, keys) is kept between runs: `MICRO_FIXTURE` lets two checkouts
 * with their own databases keep their own. */
const FIXTURE = process.env.MICRO_FIXTURE ?? '/tmp/cgw-micro-fixture.json';

async function main() {
  let fixture: Fixture & { secretKey: string };
  if (flag('seed') || !existsSync(FIXTURE)) {
    const secretKey = randomBytes(32);
    const seeded = await seedBenchDatabase({
      databaseUrl,
      secretKeys: [{ id: 'k1', key: secretKey }],
      tenants: 10,
      connectionsPerKind: 2_000,
    });
    fixture = { ...seeded, secretKey: secretKey.toString('base64') };
    writeFileSync(FIXTURE, JSON.stringify(fixture));
  } else fixture = JSON.parse(readFileSync(FIXTURE, 'utf8'));
  const secretKeys = [{ id: 'k1', key: Buffer.from(fixture.secretKey, 'base64') }];

  // As the production server runs (src/main.ts).
  guardTransactions(false);
  const { db } = await createDb({ databaseUrl, poolSize: 10 });
  const gateway = await createGateway({
    schema: await buildGatewaySchema(),
    db,
    logger: createLogger('warn'),
    production: true,
    secretKeys,
  });
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 10 });
  const baseline = createBaseline(pool, secretKeys);

  const scenarioId = option('scenario', 'updateOesConnection') as ScenarioId;
  const scenario = scenarios(fixture).find((s) => s.id === scenarioId)!;
  const n = Number(option('n', '3000'));
  const c = Number(option('c', '16'));
  const only = option('only', '');
  const rounds = Number(option('rounds', '4'));

  const withKey = flag('idempotency-key');
  if (withKey && scenario.kind !== 'mutation') throw new Error('--idempotency-key: mutations only');
  /** The scenario's next request, with a fresh `idempotencyKey` under `--idempotency-key`. */
  const nextRequest = () => {
    const request = scenario.next();
    if (!withKey) return request;
    const { query, variables } = JSON.parse(request.body) as {
      query: string;
      variables: Record<string, unknown>;
    };
    const keyed = query
      .replace(/\(\$/, '($idempotencyKey: String, $')
      .replace('input: $input)', 'input: $input, idempotencyKey: $idempotencyKey)');
    const idempotencyKey = randomBytes(12).toString('hex');
    return {
      ...request,
      body: JSON.stringify({ query: keyed, variables: { ...variables, idempotencyKey } }),
    };
  };
  const viaGateway = async () => {
    const request = nextRequest();
    const headers = new HeaderMap();
    headers.set('content-type', 'application/json');
    headers.set('authorization', request.authorization);
    headers.set('host', '127.0.0.1');
    headers.set('content-length', String(request.body.length));
    // The HTTP entry src/http.ts takes (with the CSRF rule in production).
    const response = await gateway.executeHTTPGraphQLRequest({
      httpGraphQLRequest: {
        method: 'POST',
        headers,
        search: '',
        body: JSON.parse(request.body),
      },
      context: () => gateway.contextFor({ authorization: request.authorization }),
    });
    if (response === 'forged') throw new Error('gateway: refused as CSRF');
    const body = response.body.kind === 'complete' ? response.body.string : '';
    if (!scenario.ok(body)) throw new Error(`gateway: ${body.slice(0, 300)}`);
  };
  // `--layer service`: the service call alone (no Apollo, no GraphQL), for updateOesConnection.
  const layer = option('layer', 'graphql');
  if (layer === 'service' && scenario.id !== 'updateOesConnection')
    throw new Error('--layer service is only wired for --scenario updateOesConnection');
  const viaService = async () => {
    const request = scenario.next();
    const { variables } = JSON.parse(request.body) as {
      variables: { enterpriseId: string; connectionId: string; input: { name: string } };
    };
    const ctx = await gateway.contextFor({ authorization: request.authorization });
    const result = await updateOesConnection(ctx, variables);
    if (!result.ok) throw new Error(`service: ${JSON.stringify(result)}`);
  };
  const viaBaseline = async () => {
    const request = scenario.next();
    const answer = await baseline.handle(
      scenario.baselinePath,
      request.authorization,
      request.body,
    );
    if (!scenario.ok(answer.body)) throw new Error(`baseline: ${answer.body.slice(0, 300)}`);
  };

  async function measure(run: () => Promise<void>, count: number) {
    let next = 0;
    const cpu = process.cpuUsage();
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: c }, async () => {
        while (next++ < count) await run();
      }),
    );
    const used = process.cpuUsage(cpu);
    const ms = performance.now() - t0;
    return { cpuUs: (used.user + used.system) / count, rps: (count / ms) * 1000 };
  }

  const gatewayPath = layer === 'service' ? viaService : viaGateway;
  try {
    await measure(gatewayPath, 500);
    await measure(viaBaseline, 500);
    if (flag('alloc'))
      await printAllocations(() => measure(only === 'baseline' ? viaBaseline : gatewayPath, n));
    else if (process.env.MICRO_CPU_PROFILE)
      await writeCpuProfile(process.env.MICRO_CPU_PROFILE, compare);
    else await compare();
  } finally {
    await gateway.apollo.stop();
    await db.destroy();
    await pool.end();
  }

  async function compare() {
    const results: { g: number[]; b: number[] } = { g: [], b: [] };
    for (let r = 0; r < rounds; r++) {
      if (only !== 'baseline') {
        const g = await measure(gatewayPath, n);
        results.g.push(g.cpuUs);
        console.log(`gateway  ${g.cpuUs.toFixed(0)} µs/req ${g.rps.toFixed(0)} req/s`);
      }
      if (only !== 'gateway') {
        const b = await measure(viaBaseline, n);
        results.b.push(b.cpuUs);
        console.log(`baseline ${b.cpuUs.toFixed(0)} µs/req ${b.rps.toFixed(0)} req/s`);
      }
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    if (results.g.length && results.b.length)
      console.log(
        `median: gateway ${median(results.g).toFixed(0)} µs, baseline ${median(results.b).toFixed(0)} µs, ratio ${(median(results.g) / median(results.b)).toFixed(2)}`,
      );
  }
}

/** An inspector session on this process, and a promise-returning `post`. */
function inspector() {
  const session = new Session();
  session.connect();
  const post = (method: string, params?: object) =>
    new Promise<any>((resolve, reject) =>
      session.post(method, params, (error, result) => (error ? reject(error) : resolve(result))),
    );
  return { session, post };
}

/**
 * `MICRO_CPU_PROFILE=path`: a V8 CPU profile of the measured rounds only (not of the start,
 * the seeding and the warm-up, which `node --cpu-prof` would include), for `bench/profile.ts`.
 */
async function writeCpuProfile(file: string, run: () => Promise<unknown>) {
  const { post, session } = inspector();
  await post('Profiler.enable');
  await post('Profiler.setSamplingInterval', { interval: 250 });
  await post('Profiler.start');
  await run();
  const { profile } = await post('Profiler.stop');
  session.disconnect();
  writeFileSync(file, JSON.stringify(profile));
}

/**
 * `--alloc`: where the bytes allocated while `run` runs come from (every allocation sampled,
 * also those the GC already reclaimed), by package and by function.
 */
async function printAllocations(run: () => Promise<unknown>) {
  const { post, session } = inspector();
  await post('HeapProfiler.enable');
  await post('HeapProfiler.startSampling', {
    samplingInterval: 1024,
    includeObjectsCollectedByMajorGC: true,
    includeObjectsCollectedByMinorGC: true,
  });
  await run();
  const { profile } = await post('HeapProfiler.stopSampling');
  session.disconnect();
  if (process.env.MICRO_ALLOC_FILE)
    writeFileSync(process.env.MICRO_ALLOC_FILE, JSON.stringify(profile));
  const byPackage = new Map<string, number>();
  const byFunction = new Map<string, number>();
  let total = 0;
  const walk = (node: any, parent = '') => {
    const { url, functionName, lineNumber } = node.callFrame;
    const nm = url.lastIndexOf('node_modules/');
    const rest = nm >= 0 ? url.slice(nm + 13).split('/') : [];
    const pkg =
      nm >= 0
        ? rest.slice(0, rest[0].startsWith('@') ? 2 : 1).join('/')
        : url.replace(/^.*?:\/\//, '').replace(`${process.cwd()}/`, '') || '(native)';
    const here = `${functionName || '(anonymous)'} ${pkg}:${lineNumber + 1}`;
    // Native allocations (a Map, Promise.all) are named by their caller.
    const fn = url ? here : `${here} ← ${parent}`;
    total += node.selfSize;
    byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + node.selfSize);
    byFunction.set(fn, (byFunction.get(fn) ?? 0) + node.selfSize);
    for (const child of node.children) walk(child, here);
  };
  walk(profile.head);
  const top = (map: Map<string, number>, count: number) =>
    [...map]
      .sort((a, b) => b[1] - a[1])
      .slice(0, count)
      .map(([name, bytes]) => `${((100 * bytes) / total).toFixed(1).padStart(5)}%  ${name}`)
      .join('\n');
  console.log(
    `${(total / 1e6).toFixed(0)} MB sampled\n${top(byPackage, 20)}\n${top(byFunction, 40)}`,
  );
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
