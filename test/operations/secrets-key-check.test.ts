import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { freshServerDatabase, runTs, tempDataDir } from '../helpers/processes.js';
import { onServer, spawnGateway } from '../helpers/server.js';

/**
 * A secrets key that is not the one the database's secrets were sealed with stops the start
 * with a clear message, instead of every sealed secret being lost without a word.
 */
const newKey = () => randomBytes(32).toString('base64');

async function startAndStop(env: Record<string, string>): Promise<void> {
  const gw = await spawnGateway(env);
  gw.proc.kill('SIGTERM');
  expect(await gw.exited).toBe(0);
}

describe.skipIf(onServer)('the secrets key of an embedded data directory', () => {
  it('a replaced or deleted secrets.key refuses to start; rotation with new,old and rewrap still works', async () => {
    const data = tempDataDir();
    const keyFile = path.join(data.dir, 'secrets.key');
    const env = { DATA_DIR: data.dir };
    try {
      await startAndStop(env); // demo data: sealed secrets under the generated key
      const original = readFileSync(keyFile, 'utf8');

      const replaced = `k1:${newKey()}\n`;
      writeFileSync(keyFile, replaced);
      const wrongKey = await runTs('src/main.ts', [], env);
      expect(wrongKey.code).toBe(1);
      expect(wrongKey.stderr).toMatch(
        /gateway failed to start: the secrets key "k1" is not the key this database's secrets were sealed with/,
      );
      expect(readFileSync(keyFile, 'utf8')).toBe(replaced); // nothing "repaired"

      rmSync(keyFile);
      const noKey = await runTs('src/main.ts', [], env);
      expect(noKey.code).toBe(2);
      expect(noKey.stderr).toContain('secrets.key is missing');
      expect(existsSync(keyFile)).toBe(false); // no new key made up

      // Rotation: the new key first, the old one still there; rewrap; then the new key alone.
      const oldKey = original.trim().replace(/^k1:/, '');
      const rotated = newKey();
      writeFileSync(keyFile, original);
      await startAndStop({ ...env, SECRETS_KEY: `k2:${rotated},k1:${oldKey}` });
      const rewrap = await runTs('scripts/secrets-rewrap.ts', [], {
        ...env,
        SECRETS_KEY: `k2:${rotated},k1:${oldKey}`,
      });
      expect(rewrap.code, rewrap.stderr).toBe(0);
      expect(rewrap.stdout).toMatch(/re-wrapped [1-9]\d* secret\(s\) under key "k2"/);
      await startAndStop({ ...env, SECRETS_KEY: `k2:${rotated}` });
      const oldOnly = await runTs('src/main.ts', [], { ...env, SECRETS_KEY: `k3:${newKey()}` });
      expect(oldOnly.code).toBe(1);
      expect(oldOnly.stderr).toMatch(/none of the configured secrets keys \(k3\) opens/);
    } finally {
      data.remove();
    }
  }, 180_000);
});

describe.skipIf(!onServer)('the secrets key of a PostgreSQL server database', () => {
  it('a changed SECRETS_KEY refuses to start', async () => {
    const fresh = await freshServerDatabase();
    try {
      const key = newKey();
      await startAndStop({ DATABASE_URL: fresh.url, SECRETS_KEY: key });
      const changed = await runTs('src/main.ts', [], {
        DATABASE_URL: fresh.url,
        SECRETS_KEY: newKey(),
      });
      expect(changed.code).toBe(1);
      expect(changed.stderr).toMatch(/the secrets key "k1" is not the key/);
      await startAndStop({ DATABASE_URL: fresh.url, SECRETS_KEY: key });
    } finally {
      await fresh.drop();
    }
  }, 90_000);
});
