import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { isDatabaseDir } from '../db/pglite-open.js';
import { formatSecretKeys, type Config } from './config.js';

const execFileAsync = promisify(execFile);
const require = createRequire(import.meta.url);

/** What the set-up process did to a new embedded database. */
export interface EmbeddedSetup {
  /** The migrations it applied (all of them: the database was new). */
  applied: string[];
  /** Whether it loaded the demo data. */
  seeded: boolean;
}

/**
 * One line the set-up process prints on stdout: what it did, or the error that stopped it as
 * its `cause` chain (message and code of each), so that this process reports it as if it had
 * happened here (`describeStartupError`).
 */
export type SetupReport = EmbeddedSetup | { error: { message: string; code?: string }[] };

/**
 * Creates a new embedded database in `pgdata` the way the gateway's first start would, but in
 * a child process (`embedded-setup-child.ts`): initdb, the migrations, the secrets key check
 * and, when `demo` is set, the demo data. Undefined, with nothing run, when `pgdata` already
 * holds a database.
 *
 * Why a child: PGlite's WebAssembly memory only grows, and whatever the database needed
 * once (initdb, creating the schema, a seed of many statements in one transaction) stays
 * resident in the process that ran it. Run in the gateway, the migrations and the seed took
 * its first start's peak RSS to 260 MB; with this child it is 238 MB, level with a restart
 * (bench/README.md "Memory"). The secrets keys reach the child in its environment
 * (`SECRETS_KEY`), never in its arguments, which any user of the machine can read from `ps`.
 */
export async function setUpNewDatabase(
  pgdata: string,
  options: { secretKeys: Config['secretKeys']; demo: boolean },
): Promise<EmbeddedSetup | undefined> {
  if (isDatabaseDir(pgdata)) return undefined;
  // The child's source next to this file: TypeScript (tsx, vitest) or the compiled dist/.
  const self = fileURLToPath(import.meta.url);
  const ext = path.extname(self);
  const child = path.join(path.dirname(self), `embedded-setup-child${ext}`);
  const loader = ext === '.ts' ? ['--import', pathToFileURL(require.resolve('tsx')).href] : [];
  const args = [...loader, child, pgdata, ...(options.demo ? ['--demo'] : [])];
  const env = { ...process.env, SECRETS_KEY: formatSecretKeys(options.secretKeys) };
  let stdout: string;
  try {
    ({ stdout } = await execFileAsync(process.execPath, args, {
      env,
      maxBuffer: 16 * 1024 * 1024,
    }));
  } catch (error) {
    const failed = error as { stdout?: string; stderr?: string };
    throw (
      reportedError(failed.stdout) ?? new Error(`setting up ${pgdata} failed: ${failed.stderr}`)
    );
  }
  const report = lastLine(stdout);
  if (!report || 'error' in report) throw new Error(`setting up ${pgdata} reported no result`);
  return report;
}

function lastLine(stdout: string | undefined): SetupReport | undefined {
  const line = (stdout ?? '').trim().split('\n').pop();
  if (!line) return undefined;
  try {
    return JSON.parse(line) as SetupReport;
  } catch {
    return undefined;
  }
}

/** The child's error as an `Error` with the same `cause` chain of messages and codes. */
function reportedError(stdout: string | undefined): Error | undefined {
  const report = lastLine(stdout);
  if (!report || !('error' in report)) return undefined;
  let error: Error | undefined;
  for (const { message, code } of [...report.error].reverse()) {
    error = new Error(message, error ? { cause: error } : undefined);
    if (code !== undefined) Object.assign(error, { code });
  }
  return error;
}
