import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { PGlite } from '@electric-sql/pglite';

/**
 * PostgreSQL settings of the embedded development database, on top of PGlite's own start
 * parameters (single-user mode, no parallel workers, synchronous I/O).
 *
 * `shared_buffers=16MB` instead of the server default 128MB. PGlite allocates and zeroes the
 * whole buffer pool inside its WebAssembly memory at start, so every megabyte is resident.
 * Measured on an existing data directory (RSS of a process holding only PGlite, after a 20,000
 * row insert; 2-core machine shared with other work, ±20 MB): 128MB → 293–350 MB, 32MB →
 * 197–216 MB, 16MB → 167–200 MB, 8MB → 158–192 MB. 16MB keeps a development database's working
 * set (the demo data is well under 1 MB; the 20,000 rows above are 5 MB) in memory, and below it
 * the saving is within noise. `wal_buffers` follows it (auto: 1/32, so 512kB).
 *
 * Left at their defaults, with the measurement that justifies it: `max_connections` (5 instead
 * of 100 changed nothing measurable: single-user mode has one backend), `work_mem`,
 * `maintenance_work_mem` and `temp_buffers` (allocated per operation on demand, not at start).
 * PGlite's `initialMemory` (128 MB of WebAssembly memory) cannot go lower: the module's
 * minimum is 2048 pages, and untouched pages are not resident anyway.
 */
export const PGLITE_START_PARAMS: readonly string[] = [
  ...PGlite.defaultStartParams,
  '-c',
  'shared_buffers=16MB',
];

const require = createRequire(import.meta.url);
const execFileAsync = promisify(execFile);

/**
 * The script of the child process that runs `initdb`: it opens PGlite on a directory that
 * holds no database (PGlite then runs initdb), or in memory, in which case it writes the new
 * cluster as a tar file. CommonJS over an absolute path so it runs the same under `tsx`,
 * compiled `dist/` and vitest, without a TypeScript loader.
 */
const INITDB_CHILD = `
const { PGlite } = require(process.argv[1]);
const { writeFileSync } = require('node:fs');
const [, , dataDir, tarFile, params] = process.argv;
(async () => {
  const pg = new PGlite({ dataDir: dataDir || 'memory://', startParams: JSON.parse(params) });
  await pg.waitReady;
  if (tarFile) {
    const tar = await pg.dumpDataDir('none');
    writeFileSync(tarFile, Buffer.from(await tar.arrayBuffer()));
  }
  await pg.close();
})().catch((error) => {
  console.error(error);
  process.exit(1);
});
`;

async function initdbInChild(dataDir: string | undefined, tarFile: string | undefined) {
  await execFileAsync(
    process.execPath,
    [
      '-e',
      INITDB_CHILD,
      require.resolve('@electric-sql/pglite'),
      dataDir ?? '',
      tarFile ?? '',
      JSON.stringify(PGLITE_START_PARAMS),
    ],
    { maxBuffer: 16 * 1024 * 1024 },
  );
}

/** True when `dataDir` holds a database cluster (initdb has run there). */
export function isDatabaseDir(dataDir: string): boolean {
  return existsSync(path.join(dataDir, 'PG_VERSION'));
}

/**
 * Opens PGlite with {@link PGLITE_START_PARAMS} on `dataDir`, or in memory when it is absent.
 *
 * A new database is created by `initdb` **in a child process**, never in this one: PGlite runs
 * initdb in a second WebAssembly instance whose memory this process would keep (V8 does not
 * shrink WebAssembly memory, and the instance stayed reachable): a process that created its
 * database held 777 MB once ready, one that opened an existing directory 350 MB (defaults)
 * or 170–200 MB (these settings). For a directory the child leaves the cluster there; for
 * an in-memory database (the test suite) it hands the new cluster over as a tar file, which
 * this process loads (`loadDataDir`): 320 MB instead of 780 MB per test worker.
 */
export async function openPGlite(dataDir: string | undefined): Promise<PGlite> {
  let loadDataDir: Blob | undefined;
  if (dataDir) {
    mkdirSync(dataDir, { recursive: true });
    if (!isDatabaseDir(dataDir)) await initdbInChild(dataDir, undefined);
  } else {
    const tarFile = path.join(tmpdir(), `cgw-pglite-${process.pid}-${Date.now()}.tar`);
    try {
      await initdbInChild(undefined, tarFile);
      loadDataDir = new Blob([readFileSync(tarFile)]);
    } finally {
      rmSync(tarFile, { force: true });
    }
  }
  const pglite = new PGlite({
    dataDir: dataDir ?? 'memory://',
    startParams: [...PGLITE_START_PARAMS],
    loadDataDir,
  });
  await pglite.waitReady;
  return pglite;
}
