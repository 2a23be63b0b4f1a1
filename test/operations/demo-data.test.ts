import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { createDb } from '../../db/connect.js';
import { TEST_SECRETS_KEY_ENV } from '../helpers/harness.js';
import { freshServerDatabase, runTs, tempDataDir } from '../helpers/processes.js';
import { onServer, postGraphQL, spawnGateway } from '../helpers/server.js';

/**
 * The published demo keys never open a real deployment: the gateway loads demo data only
 * into an empty embedded database outside production, and `seed:demo` refuses a server
 * without its explicit flag and production always.
 */
const SECRETS_KEY = TEST_SECRETS_KEY_ENV;
const VIEWER = '{ viewer { id } }';

async function viewerOf(base: string, key: string) {
  const r = await postGraphQL(base, VIEWER, {}, key);
  return r.body.data?.viewer ?? null;
}

/** Tenants in a server database; 0 when it has no schema yet. */
async function tenantCount(url: string): Promise<number> {
  const check = await createDb({ databaseUrl: url });
  try {
    const { rows: schema } = await sql<{
      t: string | null;
    }>`select to_regclass('tenants')::text as t`.execute(check.db);
    if (schema[0].t === null) return 0;
    const rows = await check.db.selectFrom('tenants').select('id').execute();
    return rows.length;
  } finally {
    await check.close();
  }
}

describe.skipIf(!onServer)('demo data and a PostgreSQL server', () => {
  for (const nodeEnv of ['production', 'development']) {
    it(`NODE_ENV=${nodeEnv} on a fresh, empty server database: no demo data, the demo key is refused`, async () => {
      const fresh = await freshServerDatabase();
      try {
        const gw = await spawnGateway({ DATABASE_URL: fresh.url, SECRETS_KEY, NODE_ENV: nodeEnv });
        try {
          expect(await viewerOf(gw.base, 'cgw_demo_acme_admin')).toBeNull();
          expect(gw.output.join('')).not.toContain('cgw_demo_');
        } finally {
          gw.proc.kill('SIGTERM');
          await gw.exited;
        }
        expect(await tenantCount(fresh.url)).toBe(0);
      } finally {
        await fresh.drop();
      }
    }, 60_000);
  }

  it('seed:demo refuses a server without --yes-load-public-demo-keys, and production even with it; loads with it', async () => {
    const fresh = await freshServerDatabase();
    try {
      const env = { DATABASE_URL: fresh.url, SECRETS_KEY };
      const refused = await runTs('scripts/seed-demo.ts', [], env);
      expect(refused.code).toBe(2);
      expect(refused.stderr).toMatch(/refused.*--yes-load-public-demo-keys/);
      const production = await runTs('scripts/seed-demo.ts', ['--yes-load-public-demo-keys'], {
        ...env,
        NODE_ENV: 'production',
      });
      expect(production.code).toBe(2);
      expect(production.stderr).toMatch(/refused: NODE_ENV=production/);
      expect(await tenantCount(fresh.url)).toBe(0);

      const loaded = await runTs('scripts/seed-demo.ts', ['--yes-load-public-demo-keys'], env);
      expect(loaded.code, loaded.stderr).toBe(0);
      expect(await tenantCount(fresh.url)).toBe(3);
    } finally {
      await fresh.drop();
    }
  }, 90_000);
});

describe.skipIf(onServer)('demo data and the embedded database', () => {
  it('an empty embedded database gets the demo data outside production, and none in production', async () => {
    for (const [nodeEnv, expected] of [
      ['development', 'cgw_demo_acme_admin'],
      ['production', null],
    ] as const) {
      const data = tempDataDir();
      try {
        const gw = await spawnGateway({ DATA_DIR: data.dir, NODE_ENV: nodeEnv });
        try {
          const viewer = await viewerOf(gw.base, 'cgw_demo_acme_admin');
          expect(viewer === null ? null : 'cgw_demo_acme_admin', nodeEnv).toBe(expected);
        } finally {
          gw.proc.kill('SIGTERM');
          await gw.exited;
        }
      } finally {
        data.remove();
      }
    }
  }, 90_000);

  it('seed:demo refuses with NODE_ENV=production', async () => {
    const data = tempDataDir();
    try {
      const r = await runTs('scripts/seed-demo.ts', [], {
        DATA_DIR: data.dir,
        NODE_ENV: 'production',
      });
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/refused: NODE_ENV=production/);
    } finally {
      data.remove();
    }
  }, 60_000);
});
