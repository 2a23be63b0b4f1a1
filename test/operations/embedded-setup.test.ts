import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createDb } from '../../db/connect.js';
import { migrateToLatest } from '../../db/migrate.js';
import { migrationProvider } from '../../db/migrations/index.js';
import { SecretKeyMismatchError, verifySecretKeys } from '../../src/crypto/key-check.js';
import { hasDemoData } from '../../src/demo/seed-demo.js';
import { setUpNewDatabase } from '../../src/embedded-setup.js';
import { TEST_SECRET_KEYS, TEST_SECRETS_KEY_ENV } from '../helpers/harness.js';
import { tempDataDir } from '../helpers/processes.js';
import { onServer, postGraphQL, spawnGateway } from '../helpers/server.js';

/**
 * A new embedded database is created, migrated and seeded by a child process, so that the
 * gateway's own process holds after its first start what it holds after a restart (PGlite's
 * WebAssembly memory never shrinks).
 */
const allMigrations = async () => Object.keys(await migrationProvider.getMigrations()).sort();

/** Starts a gateway on `dir` with debug logs, stops it, and returns what it printed. */
async function startAndStop(dir: string, env: Record<string, string> = {}) {
  const gw = await spawnGateway({ DATA_DIR: dir, LOG_LEVEL: 'debug', ...env }, 60_000);
  try {
    const viewer = await postGraphQL(gw.base, '{ viewer { id } }', {}, 'cgw_demo_acme_admin');
    expect(viewer.body.data?.viewer).not.toBeNull();
  } finally {
    gw.proc.kill('SIGTERM');
    expect(await gw.exited).toBe(0);
  }
  return gw.output.join('');
}

describe.skipIf(onServer)('the embedded database’s first start', () => {
  it('a child process migrates a new directory, records the key check and loads the demo data; nothing for an existing one', async () => {
    const data = tempDataDir();
    const pgdata = path.join(data.dir, 'pgdata');
    try {
      const setup = await setUpNewDatabase(pgdata, { secretKeys: TEST_SECRET_KEYS, demo: true });
      expect(setup).toEqual({ applied: await allMigrations(), seeded: true });
      expect(await setUpNewDatabase(pgdata, { secretKeys: [], demo: true })).toBeUndefined();

      const database = await createDb({ dataDir: pgdata });
      try {
        expect(await migrateToLatest(database.db)).toEqual([]);
        expect(await hasDemoData(database.db)).toBe(true);
        // The child sealed with the keys it was given: they open the database, others do not.
        await verifySecretKeys(database.db, TEST_SECRET_KEYS);
        const other = [{ id: TEST_SECRET_KEYS[0].id, key: Buffer.alloc(32, 9) }];
        await expect(verifySecretKeys(database.db, other)).rejects.toThrow(SecretKeyMismatchError);
      } finally {
        await database.close();
      }
    } finally {
      data.remove();
    }
  }, 120_000);

  it('reports the child’s error with its message and code, as if it had happened here', async () => {
    const data = tempDataDir();
    try {
      const file = path.join(data.dir, 'not-a-directory');
      writeFileSync(file, '');
      const failed = setUpNewDatabase(path.join(file, 'pgdata'), {
        secretKeys: TEST_SECRET_KEYS,
        demo: false,
      });
      await expect(failed).rejects.toMatchObject({ code: 'ENOTDIR' });
    } finally {
      data.remove();
    }
  }, 60_000);

  it('the gateway applies no migration itself on its first start or a restart; on a database without them it does', async () => {
    const data = tempDataDir();
    const initdbOnly = tempDataDir();
    try {
      const first = await startAndStop(data.dir);
      expect(first).toContain('created the database in a child process');
      expect(first).not.toContain('applied migrations');
      expect(first).toContain('Loaded the demo data.');
      expect(first).toContain('cgw_demo_acme_admin');

      const restart = await startAndStop(data.dir);
      expect(restart).not.toContain('created the database in a child process');
      expect(restart).not.toContain('applied migrations');
      expect(restart).not.toContain('Loaded the demo data.');
      expect(restart).toContain('cgw_demo_acme_admin');

      // A directory where only initdb ran: the gateway migrates and seeds it itself, as before.
      const bare = await createDb({ dataDir: path.join(initdbOnly.dir, 'pgdata') });
      await bare.close();
      const migrated = await startAndStop(initdbOnly.dir, { SECRETS_KEY: TEST_SECRETS_KEY_ENV });
      expect(migrated).not.toContain('created the database in a child process');
      expect(migrated).toContain('applied migrations');
      expect(migrated).toContain('Loaded the demo data.');
    } finally {
      data.remove();
      initdbOnly.remove();
    }
  }, 180_000);
  it('the child stops when the gateway that started it goes (its stdin closes), before it writes on', async () => {
    const data = tempDataDir();
    try {
      const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
      const script = fileURLToPath(new URL('../../src/embedded-setup-child.ts', import.meta.url));
      const child = spawn(
        process.execPath,
        ['--import', tsx, script, path.join(data.dir, 'pgdata'), '--demo'],
        { env: { ...process.env, SECRETS_KEY: TEST_SECRETS_KEY_ENV }, stdio: 'pipe' },
      );
      let stdout = '';
      child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
      // What a dying parent does to the pipe, however it dies.
      child.stdin.end();
      const [code] = (await once(child, 'exit')) as [number | null];
      expect(code).toBe(1);
      expect(stdout).toBe('');
    } finally {
      data.remove();
    }
  }, 60_000);
});
