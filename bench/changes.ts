/**
 * `npx tsx bench/changes.ts [--subscribers 100] [--c 16] [--seconds 10] [--profile DIR]`: the
 * live change feed under load (`CHANGES_BATCH_MS` set for this command is passed to the
 * gateway). Starts the gateway (`npm run start:prod`'s code through tsx, with its node flags
 * read from `package.json`, production mode) on a fresh database of the local PostgreSQL
 * server (`BENCH_CHANGES_DATABASE_URL`, default `cgw_bench_changes` on the local socket,
 * dropped and recreated), opens N `connectionChanges` subscribers on one tenant over WebSocket,
 * and runs `updateOesConnection` at concurrency c on that tenant's connections from this
 * process for the given time.
 *
 * The subscribers run on a worker thread of their own, so that their streams do not hold up
 * the load generator's requests and timestamps (both threads use one clock).
 *
 * For every change and every subscriber it records the delay from the mutation's response to
 * the change's delivery (a lower bound of commit → delivery: the commit happens before the
 * response is sent) and from the request's start (an upper bound), and the mutations' rate
 * with the subscribers against the same load run with nobody subscribed just before and just
 * after (their mean, and the ratio), with the gateway process's CPU time per mutation in each
 * and what one delivery adds. It checks that every subscriber received every committed
 * change exactly once, and writes `bench/results/changes.json`. Target: p99 ≤ 50 ms on this
 * machine.
 */
import { spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import path from 'node:path';
import { createClient } from 'graphql-ws';
import pg from 'pg';
import { WebSocket } from 'ws';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { createDb } from '../db/connect.js';
import { cpuMsOf } from './load.js';
import { START_PROD_FLAGS } from './start-flags.js';
import { migrateToLatest } from '../db/migrate.js';
import {
  createOesConnection,
  createOesPartner,
  createPrincipalWithKey,
  createTenant,
} from '../src/demo/builders.js';

const args = process.argv.slice(2);
const option = (name: string, fallback: number) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const SUBSCRIBERS = option('subscribers', 100);
const CONCURRENCY = option('c', 16);
const SECONDS = option('seconds', 10);
/** `--profile DIR`: the gateway writes a V8 CPU profile (`--cpu-prof`) there when it stops. */
const profileDir = args.includes('--profile') ? args[args.indexOf('--profile') + 1] : undefined;
/** The gateway's `CHANGES_BATCH_MS` (this process's, when set; else the gateway's default). */
const BATCH_MS = process.env.CHANGES_BATCH_MS;
const CONNECTIONS = 200;
const ROOT = path.resolve(import.meta.dirname, '..');
const databaseUrl =
  process.env.BENCH_CHANGES_DATABASE_URL ??
  'postgresql://postgres@/cgw_bench_changes?host=/var/run/postgresql';

async function recreateDatabase(): Promise<void> {
  // `postgresql://user@host/name?…` (a socket URL has no host, which URL cannot parse).
  const match = /^(postgres(?:ql)?:\/\/[^/]*\/)([^?]+)(.*)$/.exec(databaseUrl);
  if (!match) throw new Error(`cannot read the database name from ${databaseUrl}`);
  const [, prefix, name, query] = match;
  const admin = new pg.Client({ connectionString: `${prefix}postgres${query}` });
  await admin.connect();
  await admin.query(`drop database if exists "${name}" with (force)`);
  await admin.query(`create database "${name}"`);
  await admin.end();
}

async function seed() {
  const { db, close } = await createDb({ databaseUrl });
  await migrateToLatest(db);
  const tenantId = 'bench-live';
  await createTenant(db, { id: tenantId, entitlements: ['oes'] });
  const { key } = await createPrincipalWithKey(db, {
    principalId: 'bench-live-admin',
    key: `cgw_bench_${randomBytes(16).toString('hex')}`,
    memberships: [{ tenantId, permissions: ['connections:read', 'connections:write'] }],
  });
  const partnerId = await createOesPartner(db, { tenantId, name: 'venue' });
  const connectionIds: string[] = [];
  for (let i = 0; i < CONNECTIONS; i++)
    connectionIds.push(await createOesConnection(db, { tenantId, partnerId, name: `c${i}` }));
  await close();
  return { tenantId, key, connectionIds };
}

function startGateway(
  secretKey: Buffer,
): Promise<{ base: string; pid: number; stop: () => Promise<void> }> {
  const profile = profileDir ? ['--cpu-prof', '--cpu-prof-dir', path.resolve(profileDir)] : [];
  // `npm run start:prod`'s V8 flags (heap sizes, growth), so the figures are production's.
  const node = [...START_PROD_FLAGS, ...profile, '--import', 'tsx', 'src/main.ts'];
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
const SUBSCRIBE = `subscription($t: ID!) {
  connectionChanges(tenantId: $t) { event { resourceId toVersion } }
}`;

/** Milliseconds on a clock that the subscribers' thread shares. */
const now = () => performance.timeOrigin + performance.now();

interface SubscribersTask {
  url: string;
  key: string;
  tenantId: string;
  subscribers: number;
}

/**
 * The subscribers' thread: opens the subscriptions, says so once all are connected, and on
 * `report` sends, per subscriber, each change it received (`resourceId@version`) and when.
 */
async function runSubscribers(task: SubscribersTask): Promise<void> {
  const received = Array.from({ length: task.subscribers }, () => new Map<string, number>());
  let joined = 0;
  for (let s = 0; s < task.subscribers; s++) {
    const client = createClient({
      url: task.url,
      webSocketImpl: WebSocket,
      connectionParams: { authorization: `Bearer ${task.key}` },
      on: { connected: () => void joined++ },
    });
    client.subscribe<{ connectionChanges: { event: { resourceId: string; toVersion: number } } }>(
      { query: SUBSCRIBE, variables: { t: task.tenantId } },
      {
        next: ({ data }) => {
          const { resourceId, toVersion } = data!.connectionChanges.event;
          const key = `${resourceId}@${toVersion}`;
          if (received[s].has(key)) throw new Error(`duplicate ${key} at subscriber ${s}`);
          received[s].set(key, now());
        },
        error: (error) => console.error('subscriber', s, error),
        complete: () => {},
      },
    );
  }
  while (joined < task.subscribers) await new Promise((r) => setTimeout(r, 20));
  parentPort!.postMessage({ joined: true });
  parentPort!.once('message', () =>
    parentPort!.postMessage({ received: received.map((got) => [...got]) }),
  );
}

const percentile = (sorted: number[], p: number) =>
  sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];

async function main() {
  const loadAtStart = Number(loadavg()[0].toFixed(2));
  const secretKey = randomBytes(32);
  await recreateDatabase();
  const world = await seed();
  const gateway = await startGateway(secretKey);
  try {
    const versions = new Map(world.connectionIds.map((id) => [id, 1]));
    const free = [...world.connectionIds];
    /** Mutations at CONCURRENCY for SECONDS: each change's request start and answer time. */
    const runLoad = async (seconds = SECONDS) => {
      // change key `${resourceId}@${version}` → when its request started and got its answer
      const sent = new Map<string, { start: number; answered: number }>();
      const deadline = performance.now() + seconds * 1_000;
      const cpuAtStart = cpuMsOf(gateway.pid);
      let errors = 0;
      await Promise.all(
        Array.from({ length: CONCURRENCY }, async () => {
          while (performance.now() < deadline) {
            // Each worker takes a connection no other worker is changing, so versions are known.
            const id = free.shift()!;
            const start = now();
            const res = await fetch(`${gateway.base}/graphql`, {
              method: 'POST',
              headers: { 'content-type': 'application/json', authorization: `Bearer ${world.key}` },
              body: JSON.stringify({
                query: UPDATE,
                variables: { e: world.tenantId, c: id, n: `n-${randomUUID()}` },
              }),
            });
            const body = (await res.json()) as any;
            const answered = now();
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
      return { sent, errors, gatewayCpuMs: cpuMsOf(gateway.pid) - cpuAtStart };
    };
    // The same load with nobody subscribed first: what subscribers cost the mutations.
    await runLoad(3); // warm-up (JIT, pools, caches): the first run would otherwise be slower
    const alone = await runLoad();
    // The subscribers run on their own thread (as they would on their own machines): their
    // 100 WebSocket streams must not hold up this thread's requests and its clock.
    // (Node 20 loads a worker's entry before `--import` hooks apply: register tsx first.)
    const entry = `import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(import.meta.url)}); })`;
    const subscribers = new Worker(entry, {
      eval: true,
      workerData: {
        url: `${gateway.base.replace('http:', 'ws:')}/graphql`,
        key: world.key,
        tenantId: world.tenantId,
        subscribers: SUBSCRIBERS,
      } satisfies SubscribersTask,
    });
    const report = new Promise<Array<[string, number][]>>((resolve, reject) => {
      subscribers.on('message', (message: { joined?: true; received?: [string, number][][] }) => {
        if (message.received) resolve(message.received);
      });
      subscribers.on('error', reject);
    });
    await new Promise<void>((resolve, reject) => {
      subscribers.once('message', () => resolve());
      subscribers.once('error', reject);
    });
    await new Promise((r) => setTimeout(r, 1_000)); // every subscription has joined the feed

    const { sent, errors, gatewayCpuMs: cpuWith } = await runLoad();
    // Let the last changes arrive.
    await new Promise((r) => setTimeout(r, 2_000));
    subscribers.postMessage('report');
    const received = (await report).map((entries) => new Map(entries));
    await subscribers.terminate();
    // The same load once more with nobody subscribed: the two runs without bracket the one with
    // (the database grows and the machine's other load drifts meanwhile).
    await new Promise((r) => setTimeout(r, 1_000)); // the sockets are closed
    const aloneAfter = await runLoad();

    const afterAnswer: number[] = [];
    const afterStart: number[] = [];
    let missing = 0;
    let extra = 0;
    for (const got of received) {
      for (const [key, at] of got) {
        const s = sent.get(key);
        if (!s) {
          extra++;
          continue;
        }
        afterAnswer.push(Math.max(0, at - s.answered));
        afterStart.push(at - s.start);
      }
      for (const key of sent.keys()) if (!got.has(key)) missing++;
    }
    afterAnswer.sort((a, b) => a - b);
    afterStart.sort((a, b) => a - b);
    const cpuWithout = alone.gatewayCpuMs + aloneAfter.gatewayCpuMs;
    const changesWithout = alone.sent.size + aloneAfter.sent.size;
    const result = {
      when: new Date().toISOString(),
      batchMs: BATCH_MS === undefined ? 'default' : Number(BATCH_MS),
      // Other work on the machine (1-minute load average; this machine has 2 cores).
      loadAverageAtStart: loadAtStart,
      loadAverageAtEnd: Number(loadavg()[0].toFixed(2)),
      subscribers: SUBSCRIBERS,
      concurrency: CONCURRENCY,
      seconds: SECONDS,
      changes: sent.size,
      mutationsPerSecond: sent.size / SECONDS,
      // The mean of the runs before and after the one with subscribers.
      mutationsPerSecondWithoutSubscribers: (alone.sent.size + aloneAfter.sent.size) / 2 / SECONDS,
      mutationsPerSecondWithoutSubscribersBeforeAfter: [
        alone.sent.size / SECONDS,
        aloneAfter.sent.size / SECONDS,
      ],
      withOverWithout: Number(
        ((2 * sent.size) / (alone.sent.size + aloneAfter.sent.size)).toFixed(2),
      ),
      errorsWithoutSubscribers: alone.errors + aloneAfter.errors,
      // The gateway process's CPU time (utime + stime) per mutation, and what each delivery
      // adds to it: (CPU with − changes × CPU per mutation without) ÷ deliveries.
      gatewayCpuMsPerMutation: {
        without: Number((cpuWithout / changesWithout).toFixed(2)),
        with: Number((cpuWith / sent.size).toFixed(2)),
      },
      gatewayCpuUsPerDelivery: Number(
        (
          ((cpuWith - (sent.size * cpuWithout) / changesWithout) / afterAnswer.length) *
          1_000
        ).toFixed(1),
      ),
      deliveries: afterAnswer.length,
      errors,
      missing,
      extra,
      delayAfterResponseMs: {
        p50: percentile(afterAnswer, 0.5),
        p99: percentile(afterAnswer, 0.99),
        max: afterAnswer.at(-1),
      },
      delayAfterRequestStartMs: {
        p50: percentile(afterStart, 0.5),
        p99: percentile(afterStart, 0.99),
        max: afterStart.at(-1),
      },
      targetP99Ms: 50,
      meetsTarget: percentile(afterAnswer, 0.99) <= 50 && missing === 0 && extra === 0,
    };
    mkdirSync(path.join(ROOT, 'bench/results'), { recursive: true });
    writeFileSync(
      path.join(ROOT, 'bench/results/changes.json'),
      `${JSON.stringify(result, null, 2)}\n`,
    );
    console.log(JSON.stringify(result, null, 2));
    if (errors || alone.errors || aloneAfter.errors || missing || extra) process.exitCode = 1;
  } finally {
    await gateway.stop();
  }
}

if (isMainThread)
  main().catch((error) => {
    console.error(error);
    process.exit(1);
  });
else void runSubscribers(workerData as SubscribersTask);
