/**
 * `npx tsx bench/changes.ts [--subscribers 100] [--c 16] [--seconds 10] [--tenants 10]
 * [--distribution all|both|worst|spread|elsewhere] [--clients raw|graphql-ws] [--select ids|full]
 * [--profile DIR]`:
 * the live change feed under load (`CHANGES_BATCH_MS` set for this command is passed to the
 * gateway). Builds `dist/` (`npm run build`) and starts the gateway from it as `npm run
 * start:prod` does (its node flags read from `package.json`, production mode) on a fresh
 * database of the local PostgreSQL server (`BENCH_CHANGES_DATABASE_URL`, dropped and
 * recreated; default `cgw_bench_changes_<pid>` on the local socket, dropped again at the end)
 * and runs `updateOesConnection` at concurrency c from this process, for the given time, in
 * three distributions (`both`: the first two; `all`, the default: all three), each bracketed by
 * the same load with nobody subscribed:
 * - **worst**: the mutations write one tenant and all N subscribers subscribe to it, so every
 *   mutation is delivered N times;
 * - **spread**: the mutations write `--tenants` tenants in turn and the N subscribers are
 *   spread evenly over them (10 per tenant by default), so a mutation reaches N ÷ tenants;
 * - **elsewhere**: the mutations write one tenant and all N subscribers watch another, so
 *   nothing is delivered: what the feed costs the writers while subscribers are connected.
 *
 * The subscribers run in a child process (`bench/changes-subscribers.ts`): raw WebSocket
 * clients that take only `resourceId@toVersion` and the read time from each frame, so that
 * they cost the shared cores as little as possible (`--clients graphql-ws`: graphql-ws's own
 * client with `JSON.parse`, as this bench used until round 5, to measure what that cost).
 * Their timestamps and the load generator's are on the machine's monotonic clock.
 * `--select full` has them ask what a screen showing the changes would (the cursor, the whole
 * event, the connection with its partner: `SUBSCRIBE_FULL`) instead of the event's two ids.
 *
 * For every change and every subscriber it records the delay from the mutation's response to
 * the change's delivery (a lower bound of commit → delivery: the commit happens before the
 * response is sent) and from the request's start (an upper bound), and the mutations' rate
 * with the subscribers against the same load with nobody subscribed just before and just after
 * (their mean, and the ratio). It reports where the CPU went in each run: the gateway's, the
 * subscriber clients', PostgreSQL's (the backends of the bench database) and the load
 * generator's (this process), per mutation, and what one delivery adds to each. It checks that
 * every subscriber received every committed change of its tenant exactly once and nothing
 * else, and writes `bench/results/changes.json`. Target: p99 ≤ 50 ms on this machine.
 */
import { execFileSync, fork, spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { createDb } from '../db/connect.js';
import { migrateToLatest } from '../db/migrate.js';
import {
  createOesConnection,
  createOesPartner,
  createPrincipalWithKey,
  createTenant,
} from '../src/demo/builders.js';
import {
  monotonicMs,
  SUBSCRIBE,
  SUBSCRIBE_FULL,
  type SubscribersReport,
  type SubscribersTask,
} from './changes-subscribers.js';
import { cpuMsOf, cpuSplitMsOf } from './load.js';
import { backendCpu, backendCpuBetween } from './pg-cpu.js';
import { START_PROD_FLAGS } from './start-flags.js';

const args = process.argv.slice(2);
const option = (name: string, fallback: number) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const textOption = <T extends string>(name: string, values: readonly T[]): T => {
  const i = args.indexOf(`--${name}`);
  const value = (i >= 0 ? args[i + 1] : values[0]) as T;
  if (!values.includes(value)) throw new Error(`--${name} takes ${values.join(', ')}`);
  return value;
};
const SUBSCRIBERS = option('subscribers', 100);
const CONCURRENCY = option('c', 16);
const SECONDS = option('seconds', 10);
/** Tenants the spread distribution writes and subscribes to. */
const TENANTS = option('tenants', 10);
const DISTRIBUTION = textOption('distribution', [
  'all',
  'both',
  'worst',
  'spread',
  'elsewhere',
] as const);
const runs = (distribution: 'worst' | 'spread' | 'elsewhere') =>
  DISTRIBUTION === distribution ||
  DISTRIBUTION === 'all' ||
  (DISTRIBUTION === 'both' && distribution !== 'elsewhere');
const CLIENTS = textOption('clients', ['raw', 'graphql-ws'] as const);
/** `--select full`: the subscribers ask what a screen would (`SUBSCRIBE_FULL`), not the event's ids. */
const SELECT = textOption('select', ['ids', 'full'] as const);
/** `--profile DIR`: the gateway writes a V8 CPU profile (`--cpu-prof`) there when it stops. */
const profileDir = args.includes('--profile') ? args[args.indexOf('--profile') + 1] : undefined;
/** The gateway's `CHANGES_BATCH_MS` (this process's, when set; else the gateway's default). */
const BATCH_MS = process.env.CHANGES_BATCH_MS;
/** Connections of the tenant the worst case writes; the spread uses `SPREAD_CONNECTIONS` each. */
const CONNECTIONS = 200;
const SPREAD_CONNECTIONS = Math.max(CONCURRENCY, Math.ceil(CONNECTIONS / TENANTS));
const ROOT = path.resolve(import.meta.dirname, '..');
/**
 * The bench's database: `BENCH_CHANGES_DATABASE_URL` (recreated, and left for a look after the
 * run), else one named after this process on the local socket (recreated, and dropped when
 * the run ends), so that two runs at once never share one.
 */
const ownDatabase = !process.env.BENCH_CHANGES_DATABASE_URL;
const databaseUrl =
  process.env.BENCH_CHANGES_DATABASE_URL ??
  `postgresql://postgres@/cgw_bench_changes_${process.pid}?host=/var/run/postgresql`;

/** `drop database if exists` the bench's database, then (`recreate`) `create` it. */
async function resetDatabase(recreate: boolean): Promise<void> {
  // `postgresql://user@host/name?…` (a socket URL has no host, which URL cannot parse).
  const match = /^(postgres(?:ql)?:\/\/[^/]*\/)([^?]+)(.*)$/.exec(databaseUrl);
  if (!match) throw new Error(`cannot read the database name from ${databaseUrl}`);
  const [, prefix, name, query] = match;
  const admin = new pg.Client({ connectionString: `${prefix}postgres${query}` });
  await admin.connect();
  try {
    await admin.query(`drop database if exists "${name}" with (force)`);
    if (recreate) await admin.query(`create database "${name}"`);
  } finally {
    await admin.end();
  }
}

interface World {
  key: string;
  /** Tenant 0 has `CONNECTIONS` connections, the others `SPREAD_CONNECTIONS`. */
  tenants: { id: string; connectionIds: string[] }[];
}

async function seed(): Promise<World> {
  const { db, close } = await createDb({ databaseUrl });
  await migrateToLatest(db);
  const tenants: World['tenants'] = [];
  const tenantCount = runs('spread') ? TENANTS : runs('elsewhere') ? 2 : 1;
  for (let t = 0; t < tenantCount; t++) {
    const id = t === 0 ? 'bench-live' : `bench-live-${t}`;
    await createTenant(db, { id, entitlements: ['oes'] });
    tenants.push({ id, connectionIds: [] });
  }
  const { key } = await createPrincipalWithKey(db, {
    principalId: 'bench-live-admin',
    key: `cgw_bench_${randomBytes(16).toString('hex')}`,
    memberships: tenants.map(({ id }) => ({
      tenantId: id,
      permissions: ['connections:read', 'connections:write'],
    })),
  });
  for (const [t, tenant] of tenants.entries()) {
    const partnerId = await createOesPartner(db, { tenantId: tenant.id, name: 'venue' });
    const count = t === 0 && DISTRIBUTION !== 'spread' ? CONNECTIONS : SPREAD_CONNECTIONS;
    for (let i = 0; i < count; i++)
      tenant.connectionIds.push(
        await createOesConnection(db, { tenantId: tenant.id, partnerId, name: `c${i}` }),
      );
  }
  await close();
  return { key, tenants };
}

function startGateway(
  secretKey: Buffer,
): Promise<{ base: string; pid: number; stop: () => Promise<void> }> {
  const profile = profileDir ? ['--cpu-prof', '--cpu-prof-dir', path.resolve(profileDir)] : [];
  // `npm run start:prod`: its V8 flags (heap sizes, growth) and its code, `dist/` as `tsc` built
  // it (built afresh by `main`), so the figures are production's. tsx's code is not: esbuild's
  // `__name` wraps every function it creates, a `defineProperty` per closure made per message.
  const node = [...START_PROD_FLAGS, ...profile, 'dist/src/main.js'];
  const proc = spawn(process.execPath, node, {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      NODE_ENV: 'production',
      PORT: '0',
      LOG_LEVEL: 'warn',
      DATABASE_URL: databaseUrl,
      SECRETS_KEY: `k1:${secretKey.toString('base64')}`,
      ...(BATCH_MS === undefined ? {} : { CHANGES_BATCH_MS: BATCH_MS }),
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise<void>((resolve) => proc.on('exit', () => resolve()));
  return new Promise((resolve, reject) => {
    let out = '';
    proc.stdout!.on('data', (chunk: Buffer) => {
      out += String(chunk);
      const match = /ready at (http:\/\/[^/\s]+)\/graphql/.exec(out);
      if (match)
        resolve({
          base: match[1],
          pid: proc.pid!,
          stop: async () => {
            proc.kill('SIGTERM');
            await exited;
          },
        });
    });
    void exited.then(() => reject(new Error(`gateway exited:\n${out}`)));
  });
}

const UPDATE = `mutation($e: ID!, $c: ID!, $n: String!) {
  updateOesConnection(enterpriseId: $e, connectionId: $c, input: { name: $n }) {
    __typename ... on UpdateOesConnectionSuccess { connection { version } }
  }
}`;

/**
 * The subscribers' process: opens one subscription per entry of `tenants`, resolves once all
 * have been sent, and `report` ends it with what each received.
 */
async function openSubscribers(task: SubscribersTask) {
  const entry = path.join(
    import.meta.dirname,
    CLIENTS === 'raw' ? 'changes-subscribers.ts' : 'changes-subscribers-graphql-ws.ts',
  );
  const child = fork(entry, [], {
    execArgv: ['--import', 'tsx'],
    serialization: 'advanced',
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const message = () =>
    new Promise<any>((resolve, reject) => {
      child.once('message', resolve);
      void exited.then(() => reject(new Error('the subscribers’ process exited')));
    });
  const joined = message();
  child.send(task);
  await joined;
  return {
    pid: child.pid!,
    async report(): Promise<SubscribersReport> {
      const report = message();
      child.send('report');
      const result = (await report) as SubscribersReport;
      await exited;
      return result;
    },
  };
}

const percentile = (sorted: number[], p: number) =>
  sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
const round = (value: number, digits = 2) => Number(value.toFixed(digits));

async function main() {
  const loadAtStart = round(loadavg()[0]);
  // The gateway runs from `dist/`: build it from this checkout's sources first.
  execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json'], {
    cwd: ROOT,
    stdio: 'inherit',
  });
  const secretKey = randomBytes(32);
  await resetDatabase(true);
  try {
    await measure(loadAtStart, secretKey);
  } finally {
    if (ownDatabase) await resetDatabase(false);
  }
}

async function measure(loadAtStart: number, secretKey: Buffer) {
  const world = await seed();
  const gateway = await startGateway(secretKey);
  const pgCpu = await backendCpu(databaseUrl);
  /** connection id → its tenant */
  const tenantOf = new Map(
    world.tenants.flatMap(({ id, connectionIds }) => connectionIds.map((c) => [c, id] as const)),
  );
  const versions = new Map([...tenantOf.keys()].map((id) => [id, 1]));
  /** The worst case writes tenant 0; the spread writes every tenant in turn. */
  const worstLoad = world.tenants[0].connectionIds;
  const spreadLoad = Array.from({ length: SPREAD_CONNECTIONS }, (_, i) =>
    world.tenants.map(({ connectionIds }) => connectionIds[i]),
  ).flat();
  try {
    /**
     * Mutations at CONCURRENCY for SECONDS on `connections`: each change's request start and
     * answer time, and the CPU time each party spent meanwhile.
     */
    const runLoad = async (connections: string[], seconds = SECONDS, subscribersPid?: number) => {
      // change key `${resourceId}@${version}` → when its request started and got its answer
      const sent = new Map<string, { start: number; answered: number }>();
      const free = [...connections];
      const deadline = performance.now() + seconds * 1_000;
      const gatewayAtStart = cpuSplitMsOf(gateway.pid);
      const subscribersAtStart = subscribersPid ? cpuMsOf(subscribersPid) : 0;
      const pgAtStart = await pgCpu?.sample();
      const loadAtStart = process.cpuUsage();
      let errors = 0;
      await Promise.all(
        Array.from({ length: CONCURRENCY }, async () => {
          while (performance.now() < deadline) {
            // Each worker takes a connection no other worker is changing, so versions are known.
            const id = free.shift()!;
            const start = monotonicMs();
            const res = await fetch(`${gateway.base}/graphql`, {
              method: 'POST',
              headers: { 'content-type': 'application/json', authorization: `Bearer ${world.key}` },
              body: JSON.stringify({
                query: UPDATE,
                variables: { e: tenantOf.get(id), c: id, n: `n-${randomUUID()}` },
              }),
            });
            const body = (await res.json()) as any;
            const answered = monotonicMs();
            const version = body.data?.updateOesConnection?.connection?.version;
            if (version !== versions.get(id)! + 1) errors++;
            else {
              versions.set(id, version);
              sent.set(`${id}@${version}`, { start, answered });
            }
            free.push(id);
          }
        }),
      );
      const load = process.cpuUsage(loadAtStart);
      const gatewayAtEnd = cpuSplitMsOf(gateway.pid);
      return {
        sent,
        errors,
        cpuMs: {
          gateway:
            gatewayAtEnd.user + gatewayAtEnd.system - gatewayAtStart.user - gatewayAtStart.system,
          gatewaySystem: gatewayAtEnd.system - gatewayAtStart.system,
          subscribers: subscribersPid ? cpuMsOf(subscribersPid) - subscribersAtStart : 0,
          postgres: pgCpu && pgAtStart ? backendCpuBetween(pgAtStart, await pgCpu.sample()) : NaN,
          loadGenerator: (load.user + load.system) / 1_000,
        },
      };
    };
    type Run = Awaited<ReturnType<typeof runLoad>>;

    /**
     * One distribution: the load alone, with the subscribers (`tenants[s]` is subscriber s's
     * tenant), alone again; the delays, the check and where the CPU went.
     */
    const scenario = async (load: string[], tenants: string[]) => {
      const alone = await runLoad(load);
      const subscribers = await openSubscribers({
        url: `${gateway.base.replace('http:', 'ws:')}/graphql`,
        key: world.key,
        tenants,
        query: SELECT === 'full' ? SUBSCRIBE_FULL : SUBSCRIBE,
      });
      await new Promise((r) => setTimeout(r, 1_000)); // every subscription has joined the feed
      const withRun = await runLoad(load, SECONDS, subscribers.pid);
      await new Promise((r) => setTimeout(r, 2_000)); // the last changes arrive
      const report = await subscribers.report();
      await new Promise((r) => setTimeout(r, 1_000)); // the sockets are closed
      // The two runs without bracket the one with (the database grows and the machine's other
      // load drifts meanwhile).
      const aloneAfter = await runLoad(load);

      const { sent } = withRun;
      const afterAnswer: number[] = [];
      const afterStart: number[] = [];
      let missing = 0;
      let extra = 0;
      let duplicates = 0;
      for (const [s, keys] of report.keys.entries()) {
        const times = report.times[s];
        const seen = new Set<string>();
        for (const [i, key] of keys.entries()) {
          if (seen.has(key)) {
            duplicates++;
            continue;
          }
          seen.add(key);
          const at = sent.get(key);
          if (!at || tenantOf.get(key.slice(0, key.indexOf('@'))) !== tenants[s]) {
            extra++;
            continue;
          }
          afterAnswer.push(Math.max(0, times[i] - at.answered));
          afterStart.push(times[i] - at.start);
        }
        for (const key of sent.keys())
          if (tenantOf.get(key.slice(0, key.indexOf('@'))) === tenants[s] && !seen.has(key))
            missing++;
      }
      afterAnswer.sort((a, b) => a - b);
      afterStart.sort((a, b) => a - b);
      const deliveries = afterAnswer.length;
      const without = (party: keyof Run['cpuMs']) =>
        (alone.cpuMs[party] + aloneAfter.cpuMs[party]) / (alone.sent.size + aloneAfter.sent.size);
      /** A party's CPU per mutation without and with, and what each delivery adds (µs). */
      const cpu = (party: keyof Run['cpuMs']) => ({
        msPerMutationWithout: round(without(party), 3),
        msPerMutationWith: round(withRun.cpuMs[party] / sent.size, 3),
        usPerDelivery: round(
          ((withRun.cpuMs[party] - sent.size * without(party)) / deliveries) * 1_000,
          1,
        ),
      });
      return {
        subscribers: tenants.length,
        tenantsWritten: new Set(load.map((id) => tenantOf.get(id))).size,
        deliveriesPerMutation: round(deliveries / sent.size, 1),
        changes: sent.size,
        mutationsPerSecond: sent.size / SECONDS,
        // The mean of the runs before and after the one with subscribers.
        mutationsPerSecondWithoutSubscribers:
          (alone.sent.size + aloneAfter.sent.size) / 2 / SECONDS,
        mutationsPerSecondWithoutSubscribersBeforeAfter: [
          alone.sent.size / SECONDS,
          aloneAfter.sent.size / SECONDS,
        ],
        withOverWithout: round((2 * sent.size) / (alone.sent.size + aloneAfter.sent.size)),
        // CPU time (utime + stime): the gateway process; the subscribers' process (all of it is
        // theirs: µs per delivery is its CPU ÷ deliveries); the bench database's backends; this
        // process (the load generator). Per delivery: (CPU with − changes × CPU per mutation
        // without) ÷ deliveries.
        cpu: {
          gateway: cpu('gateway'),
          gatewaySystem: cpu('gatewaySystem'),
          subscriberClients: {
            ms: round(withRun.cpuMs.subscribers, 0),
            usPerDelivery: round((withRun.cpuMs.subscribers / deliveries) * 1_000, 2),
          },
          postgres: cpu('postgres'),
          loadGenerator: cpu('loadGenerator'),
        },
        deliveries,
        errors: withRun.errors,
        errorsWithoutSubscribers: alone.errors + aloneAfter.errors,
        missing,
        extra,
        duplicates,
        unexpectedMessages: report.unexpected.slice(0, 5),
        delayAfterResponseMs: {
          p50: round(percentile(afterAnswer, 0.5), 1),
          p99: round(percentile(afterAnswer, 0.99), 1),
          max: round(afterAnswer.at(-1) ?? NaN, 1),
        },
        delayAfterRequestStartMs: {
          p50: round(percentile(afterStart, 0.5), 1),
          p99: round(percentile(afterStart, 0.99), 1),
          max: round(afterStart.at(-1) ?? NaN, 1),
        },
        meetsTarget:
          (deliveries === 0 || percentile(afterAnswer, 0.99) <= 50) &&
          missing === 0 &&
          extra === 0 &&
          duplicates === 0 &&
          report.unexpected.length === 0,
      };
    };

    await runLoad(DISTRIBUTION === 'spread' ? spreadLoad : worstLoad, 3); // warm-up (JIT, pools, caches)
    const worst = runs('worst')
      ? await scenario(worstLoad, Array(SUBSCRIBERS).fill(world.tenants[0].id))
      : undefined;
    const spread = !runs('spread')
      ? undefined
      : await scenario(
          spreadLoad,
          Array.from({ length: SUBSCRIBERS }, (_, s) => world.tenants[s % TENANTS].id),
        );
    const elsewhere = runs('elsewhere')
      ? await scenario(worstLoad, Array(SUBSCRIBERS).fill(world.tenants[1].id))
      : undefined;
    const result = {
      when: new Date().toISOString(),
      batchMs: BATCH_MS === undefined ? 'default' : Number(BATCH_MS),
      // Other work on the machine (1-minute load average; this machine has 2 cores).
      loadAverageAtStart: loadAtStart,
      loadAverageAtEnd: round(loadavg()[0]),
      concurrency: CONCURRENCY,
      seconds: SECONDS,
      clients: CLIENTS,
      select: SELECT,
      targetP99Ms: 50,
      // Every mutation reaches all the subscribers (one tenant written, all subscribed to it).
      worst,
      // The mutations write TENANTS tenants in turn; the subscribers are spread over them.
      spread,
      // The mutations write one tenant; all the subscribers watch another (nothing to deliver).
      elsewhere,
    };
    mkdirSync(path.join(ROOT, 'bench/results'), { recursive: true });
    writeFileSync(
      path.join(ROOT, 'bench/results/changes.json'),
      `${JSON.stringify(result, null, 2)}\n`,
    );
    console.log(JSON.stringify(result, null, 2));
    for (const s of [worst, spread, elsewhere])
      if (s && (s.errors || s.errorsWithoutSubscribers || s.missing || s.extra || s.duplicates))
        process.exitCode = 1;
      else if (s?.unexpectedMessages.length) process.exitCode = 1;
  } finally {
    await pgCpu?.close();
    await gateway.stop();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
