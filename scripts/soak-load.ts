/**
 * The soak's load generator, a separate process (forked by `scripts/soak.ts`) so its own
 * allocation and CPU never count as the gateway's. It keeps `concurrency` requests in flight
 * on keep-alive connections over loopback, each one drawn from the mix below, until told to
 * stop; on `{ type: 'stats' }` it answers with the counts since the previous answer.
 */
import http from 'node:http';
import { createClient } from 'graphql-ws';
import { WebSocket } from 'ws';
import { scenarios, type BenchRequest, type Scenario } from '../bench/scenarios.js';
import type { Fixture } from '../bench/seed.js';

export interface LoadStart {
  type: 'start';
  url: string;
  fixture: Fixture;
  concurrency: number;
}

export interface LoadStats {
  type: 'stats' | 'final';
  requests: number;
  errors: number;
  byOperation: Record<string, { requests: number; errors: number }>;
  latencyMs: { p50: number; p99: number; max: number };
  /** One failed answer of this window, to show what went wrong. */
  errorSample?: string;
}

interface Operation {
  name: string;
  /** Relative frequency in the mix. */
  weight: number;
  next(): BenchRequest;
  /** Whether `body` is the right answer to `request` (one that `next` returned). */
  ok(body: string, request: BenchRequest): boolean;
}

/** A mutation request of a bench scenario with more arguments on its root field. */
function withArguments(request: BenchRequest, args: string, variables = {}): BenchRequest {
  const { query, variables: given } = JSON.parse(request.body) as {
    query: string;
    variables: Record<string, unknown>;
  };
  const declared = Object.keys(variables)
    .map((name) => `$${name}: String!, `)
    .join('');
  return {
    ...request,
    body: JSON.stringify({
      query: query
        .replace(/\(\$/, `(${declared}$`)
        .replace('input: $input)', `input: $input, ${args})`),
      variables: { ...given, ...variables },
    }),
  };
}

/**
 * A form checked as the user types: `patchDatabaseConnection` with `validateOnly: true`,
 * answered by its Success (nothing is kept).
 */
function dryRuns(scenario: Scenario): Operation {
  return {
    name: 'dryRun',
    weight: 10,
    next: () => withArguments(scenario.next(), 'validateOnly: true'),
    ok: (body) => scenario.ok(body),
  };
}

/**
 * A save retried after a lost answer: `updateOesConnection` with a fresh `idempotencyKey`,
 * then the very same request again, whose answer must equal the first one's. Each request
 * this operation makes is either a first call or the retry of an earlier first call.
 */
function idempotentRetries(scenario: Scenario): Operation {
  const retries: BenchRequest[] = [];
  const firstAnswers = new Map<string, string>();
  let serial = 0;
  return {
    name: 'idempotentRetry',
    weight: 10,
    next() {
      const retry = retries.shift();
      if (retry) return retry;
      const key = `soak-${process.pid}-${serial++}`;
      return withArguments(scenario.next(), 'idempotencyKey: $idempotencyKey', {
        idempotencyKey: key,
      });
    },
    ok(body, request) {
      const first = firstAnswers.get(request.body);
      if (first !== undefined) {
        firstAnswers.delete(request.body);
        return body === first;
      }
      if (!scenario.ok(body)) return false;
      firstAnswers.set(request.body, body);
      retries.push(request);
      return true;
    },
  };
}

const pick = <T>(list: readonly T[]): T => list[Math.floor(Math.random() * list.length)];

/** Subscribers to `connectionChanges` held open for the whole soak, one per tenant. */
const SUBSCRIBERS = 5;

/**
 * A page of `orgConnections` with a random subset of its optional fields and a random page
 * size: clients send many different documents, and each distinct document is parsed,
 * validated, cost-estimated and compiled once and then cached. 2^4 field subsets × 2 page
 * sizes = 32 distinct documents: all of them are seen within the first minute (at a few
 * requests per second of this kind), so the caches are full after the warm-up and must hold.
 */
function variedPages(fixture: Fixture): Operation {
  const optional = ['name', 'credentialId', 'version', 'updatedAt'];
  const nested = 'app { id name supportedAuthConfigs { type isValid } } usedByBoards { id name }';
  return {
    name: 'variedPages',
    weight: 10,
    next() {
      const tenant = pick(fixture.tenants);
      const fields = optional.filter(() => Math.random() < 0.5).join(' ');
      const first = pick([10, 50]);
      const query = `query SoakPage($organisationId: ID!) { orgConnections(organisationId: $organisationId, first: ${first}) { items { id ${fields} ${nested} } pageInfo { endCursor hasNextPage } } }`;
      return {
        authorization: `Bearer ${tenant.apiKey}`,
        body: JSON.stringify({ query, variables: { organisationId: tenant.id } }),
      };
    },
    ok: (b) => b.startsWith('{"data":{"orgConnections":{"items":[') && !b.includes('"errors":['),
  };
}

/** The mix: what one request of the soak is, by weight. */
function operations(fixture: Fixture): Operation[] {
  const byId = new Map(scenarios(fixture).map((s): [string, Scenario] => [s.id, s]));
  const fromScenario = (id: string, weight: number): Operation => {
    const s = byId.get(id)!;
    return { name: id, weight, next: s.next, ok: s.ok };
  };
  return [
    fromScenario('updateOesConnection', 30),
    fromScenario('patchDatabaseConnection', 20),
    fromScenario('orgConnections', 20),
    fromScenario('connectorConnections', 20),
    variedPages(fixture),
    dryRuns(byId.get('patchDatabaseConnection')!),
    idempotentRetries(byId.get('updateOesConnection')!),
    // Subscribers are not requests of this loop: `subscribe` starts them beside it.
  ];
}

function send(
  agent: http.Agent,
  url: URL,
  request: BenchRequest,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      {
        method: 'POST',
        agent,
        headers: {
          'content-type': 'application/json',
          authorization: request.authorization,
        },
        timeout: 30_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
        );
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error('timed out after 30 s')));
    req.on('error', reject);
    req.end(request.body);
  });
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function run(start: LoadStart): Promise<void> {
  const ops = operations(start.fixture);
  const total = ops.reduce((n, o) => n + o.weight, 0);
  const draw = () => {
    let r = Math.random() * total;
    for (const op of ops) if ((r -= op.weight) < 0) return op;
    return ops[ops.length - 1];
  };
  const url = new URL(start.url);
  const agent = new http.Agent({ keepAlive: true, maxSockets: start.concurrency });
  let stopping = false;
  let window = {
    requests: 0,
    errors: 0,
    byOperation: {} as LoadStats['byOperation'],
    latencies: [] as number[],
    errorSample: undefined as string | undefined,
  };
  const takeStats = (): LoadStats => {
    const w = window;
    window = { requests: 0, errors: 0, byOperation: {}, latencies: [], errorSample: undefined };
    const sorted = w.latencies.sort((a, b) => a - b);
    const stats: LoadStats = {
      type: 'stats',
      requests: w.requests,
      errors: w.errors,
      byOperation: w.byOperation,
      latencyMs: {
        p50: percentile(sorted, 50),
        p99: percentile(sorted, 99),
        max: sorted.at(-1) ?? 0,
      },
      errorSample: w.errorSample,
    };
    return stats;
  };
  process.on('message', (message: { type?: string }) => {
    if (message?.type === 'stop') stopping = true;
    if (message?.type === 'stats') process.send!(takeStats());
  });
  const worker = async () => {
    while (!stopping) {
      const op = draw();
      const started = performance.now();
      let failure: string | undefined;
      try {
        const request = op.next();
        const answer = await send(agent, url, request);
        if (answer.status !== 200 || !op.ok(answer.body, request))
          failure = `${op.name}: ${answer.status} ${answer.body.slice(0, 300)}`;
      } catch (error) {
        failure = `${op.name}: ${error instanceof Error ? error.message : String(error)}`;
      }
      const w = window;
      w.latencies.push(Math.round((performance.now() - started) * 100) / 100);
      w.requests++;
      const counts = (w.byOperation[op.name] ??= { requests: 0, errors: 0 });
      counts.requests++;
      if (failure) {
        w.errors++;
        counts.errors++;
        w.errorSample ??= failure;
      }
    }
  };
  // Long-lived subscribers beside the requests: each change event counts as a request of
  // `subscription`; an error or an unexpected end of a subscription counts as an error.
  const subscribers = start.fixture.tenants.slice(0, SUBSCRIBERS).map((tenant) => {
    const client = createClient({
      url: start.url.replace(/^http/, 'ws'),
      webSocketImpl: WebSocket,
      connectionParams: { authorization: `Bearer ${tenant.apiKey}` },
    });
    const count = (failure?: string) => {
      const counts = (window.byOperation.subscription ??= { requests: 0, errors: 0 });
      counts.requests++;
      if (failure) {
        counts.errors++;
        window.errors++;
        window.errorSample ??= `subscription: ${failure}`;
      }
    };
    client.subscribe(
      {
        query: `subscription($t: ID!) { connectionChanges(tenantId: $t) { cursor event { id } } }`,
        variables: { t: tenant.id },
      },
      {
        next: () => count(),
        error: (error) => count(JSON.stringify(error).slice(0, 300)),
        complete: () => {
          if (!stopping) count('ended');
        },
      },
    );
    return client;
  });
  await Promise.all(Array.from({ length: start.concurrency }, worker));
  stopping = true;
  await Promise.all(subscribers.map((client) => client.dispose()));
  agent.destroy();
  // The requests that ended after the last sample: counted too.
  process.send!({ ...takeStats(), type: 'final' }, () => process.disconnect());
}

process.once('message', (message: LoadStart) => {
  if (message?.type === 'start') void run(message);
});
