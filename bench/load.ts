/**
 * One bounded load run: autocannon from this process at one server on loopback, with the CPU
 * time the server process spent meanwhile (utime + stime from `/proc/<pid>/stat`).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import autocannon from 'autocannon';
import type { BenchRequest } from './scenarios.js';

export interface LoadOptions {
  url: string;
  connections: number;
  durationSec: number;
  next(): BenchRequest;
  ok(body: string): boolean;
  /** The server process whose CPU time is measured. */
  pid: number;
}

export interface LoadResult {
  requests: number;
  durationSec: number;
  rps: number;
  p50Ms: number;
  p99Ms: number;
  meanMs: number;
  /** Connection errors and timeouts (autocannon's `errors` counts timeouts too). */
  errors: number;
  timeouts: number;
  non2xx: number;
  /** 2xx answers that are not the expected success (GraphQL errors, error results). */
  badResponses: number;
  /** One bad answer, to show what went wrong. */
  badSample?: string;
  bytesPerRequest: number;
  cpuMs: number;
  cpuMsPerRequest: number;
}

let clockTicks: number | undefined;

/** Clock ticks per second of `/proc/<pid>/stat` times (usually 100). */
export function clockTicksPerSecond(): number {
  if (clockTicks === undefined) {
    try {
      clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      clockTicks = 100;
    }
  }
  return clockTicks;
}

/** utime + stime of a process (all its threads), in milliseconds. */
export function cpuMsOf(pid: number): number {
  const { user, system } = cpuSplitMsOf(pid);
  return user + system;
}

/** utime and stime of a process (all its threads), apart, in milliseconds. */
export function cpuSplitMsOf(pid: number): { user: number; system: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) is in parentheses and may hold spaces: split after it.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // fields[0] is field 3 (state); utime and stime are fields 14 and 15.
  const ms = (ticks: string) => (Number(ticks) * 1000) / clockTicksPerSecond();
  return { user: ms(fields[11]), system: ms(fields[12]) };
}

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return NaN;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index];
}

export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  let badResponses = 0;
  let badSample: string | undefined;
  let latencies = new Float64Array(1 << 16);
  let count = 0;

  const cpuBefore = cpuMsOf(options.pid);
  let finish!: (result: autocannon.Result) => void;
  let fail!: (error: unknown) => void;
  const done = new Promise<autocannon.Result>(
    (resolve, reject) => ((finish = resolve), (fail = reject)),
  );
  const instance = autocannon(
    {
      url: options.url,
      connections: options.connections,
      duration: options.durationSec,
      method: 'POST',
      timeout: 10,
      headers: { 'content-type': 'application/json' },
      requests: [
        {
          setupRequest: (request) => {
            const next = options.next();
            return {
              ...request,
              method: 'POST',
              headers: {
                ...request.headers,
                'content-type': 'application/json',
                authorization: next.authorization,
              },
              body: next.body,
            };
          },
          onResponse: (status, body) => {
            if (status >= 200 && status < 300 && !options.ok(body)) {
              badResponses++;
              badSample ??= body.slice(0, 500);
            }
          },
        },
      ],
    },
    (error: unknown, result: autocannon.Result) => (error ? fail(error) : finish(result)),
  );
  instance.on(
    'response',
    (_client: unknown, _status: number, _bytes: number, responseTime: number) => {
      if (count === latencies.length) {
        const grown = new Float64Array(latencies.length * 2);
        grown.set(latencies);
        latencies = grown;
      }
      latencies[count++] = responseTime;
    },
  );
  const result = await done;
  const cpuMs = cpuMsOf(options.pid) - cpuBefore;

  const sorted = latencies.slice(0, count).sort();
  let sum = 0;
  for (let i = 0; i < count; i++) sum += sorted[i];
  const requests = result.requests.total;
  const durationSec = result.duration;
  return {
    requests,
    durationSec,
    rps: requests / durationSec,
    p50Ms: percentile(sorted, 50),
    p99Ms: percentile(sorted, 99),
    meanMs: count ? sum / count : NaN,
    errors: result.errors,
    timeouts: result.timeouts,
    non2xx: result.non2xx,
    badResponses,
    badSample,
    bytesPerRequest: requests ? result.throughput.total / requests : 0,
    cpuMs,
    cpuMsPerRequest: requests ? cpuMs / requests : NaN,
  };
}
