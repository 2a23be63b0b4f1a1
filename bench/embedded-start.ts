/**
 * The embedded start's figures: `npm start`'s command (node with the start script's flags,
 * `scripts/start.mjs`, no `DATABASE_URL`) on a fresh `DATA_DIR`, then again on the same
 * directory (a restart). For each: the time from spawn to `/readyz` answering 200, the RSS at
 * that moment and 2 s later (settled), the CPU time spent until then, and the peak RSS of the start (VmHWM).
 *
 * `npx tsx bench/embedded-start.ts` prints them; `npm run bench` records them in
 * `latest.json` (`memory.embedded`).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { cpuMsOf } from './load.js';
import { START_ARGS } from './start-flags.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export interface EmbeddedStart {
  start: 'first' | 'restart';
  readyMs: number;
  /** CPU time (user + system) of the process until ready: what the wall time is on a quiet machine. */
  readyCpuMs: number;
  readyRssMb: number;
  settledRssMb: number;
  peakRssMb: number;
}

const statusMb = (pid: number, field: 'VmRSS' | 'VmHWM') => {
  const match = new RegExp(`${field}:\\s+(\\d+) kB`).exec(
    readFileSync(`/proc/${pid}/status`, 'utf8'),
  );
  return match ? Math.round(Number(match[1]) / 1024) : NaN;
};

async function startOnce(dataDir: string, start: EmbeddedStart['start']): Promise<EmbeddedStart> {
  const started = performance.now();
  const child = spawn(process.execPath, START_ARGS, {
    cwd: ROOT,
    env: {
      ...process.env,
      DATABASE_URL: '',
      DATA_DIR: dataDir,
      PORT: '0',
      LOG_LEVEL: 'warn',
      NODE_ENV: 'development',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (c: Buffer) => (output += c.toString('utf8')));
  child.stderr.on('data', (c: Buffer) => (output += c.toString('utf8')));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    const deadline = started + 120_000;
    let readyMs = NaN;
    let readyRssMb = NaN;
    let readyCpuMs = NaN;
    while (performance.now() < deadline) {
      if (child.exitCode !== null) throw new Error(`the gateway exited:\n${output}`);
      const url = /ready at (http:\/\/[^/\s]+)\//.exec(output)?.[1];
      if (url) {
        const ok = await fetch(`${url}/readyz`)
          .then((r) => r.ok)
          .catch(() => false);
        if (ok) {
          readyMs = Math.round(performance.now() - started);
          readyRssMb = statusMb(child.pid!, 'VmRSS');
          readyCpuMs = Math.round(cpuMsOf(child.pid!));
          break;
        }
      }
      await new Promise((r) => setTimeout(r, 25));
    }
    if (Number.isNaN(readyMs)) throw new Error(`the gateway was not ready in 120 s:\n${output}`);
    await new Promise((r) => setTimeout(r, 2_000));
    return {
      start,
      readyMs,
      readyCpuMs,
      readyRssMb,
      settledRssMb: statusMb(child.pid!, 'VmRSS'),
      peakRssMb: statusMb(child.pid!, 'VmHWM'),
    };
  } finally {
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    await exited;
    clearTimeout(timer);
  }
}

/** A first start on a fresh `DATA_DIR` and a restart on it; the directory is removed after. */
export async function measureEmbeddedStarts(): Promise<EmbeddedStart[]> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'cgw-embedded-'));
  try {
    return [await startOnce(dataDir, 'first'), await startOnce(dataDir, 'restart')];
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  for (const s of await measureEmbeddedStarts()) console.log(JSON.stringify(s));
}
