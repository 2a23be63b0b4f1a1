import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';

const ROOT = new URL('../..', import.meta.url).pathname;

export interface CommandResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs a TypeScript entry point of this repository (`src/main.ts`, `scripts/…`) as its own
 * process, as its npm script would, with `env` added to a minimal environment; resolves when
 * it exits (or is killed after `timeoutMs`).
 */
export function runTs(
  file: string,
  args: string[],
  env: Record<string, string>,
  timeoutMs = 60_000,
): Promise<CommandResult> {
  const proc = spawn(process.execPath, ['--import', 'tsx', file, ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', PORT: '0', LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  proc.stdout.on('data', (c: Buffer) => (stdout += String(c)));
  proc.stderr.on('data', (c: Buffer) => (stderr += String(c)));
  const timer = setTimeout(() => proc.kill('SIGKILL'), timeoutMs);
  return new Promise((resolve) =>
    proc.on('exit', (code) => {
      clearTimeout(timer);
      // 'exit' can come before the last output: wait for the streams to end.
      let open = 2;
      const done = () => --open === 0 && resolve({ code, stdout, stderr });
      if (proc.stdout.readableEnded) done();
      else proc.stdout.on('end', done);
      if (proc.stderr.readableEnded) done();
      else proc.stderr.on('end', done);
    }),
  );
}

/** A new temporary directory for a gateway's `DATA_DIR`; `remove()` deletes it. */
export function tempDataDir(): { dir: string; remove: () => void } {
  const dir = mkdtempSync(path.join(tmpdir(), 'cgw-ops-'));
  return {
    dir,
    remove: () => rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 }),
  };
}

/**
 * A new, empty database on the test server (next to `TEST_DATABASE_URL`'s), for tests that
 * must start on a fresh database; `drop()` removes it.
 */
export async function freshServerDatabase(): Promise<{ url: string; drop: () => Promise<void> }> {
  const base = new URL(process.env.TEST_DATABASE_URL!);
  const name = `${base.pathname.slice(1)}_ops_${Math.random().toString(36).slice(2, 10)}`;
  const admin = new pg.Client({ connectionString: base.toString() });
  await admin.connect();
  await admin.query(`create database "${name}"`);
  await admin.end();
  const url = new URL(base);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const c = new pg.Client({ connectionString: base.toString() });
      await c.connect();
      await c.query(`drop database if exists "${name}" with (force)`);
      await c.end();
    },
  };
}
