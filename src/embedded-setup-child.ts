import { createDb } from '../db/connect.js';
import { migrateToLatest } from '../db/migrate.js';
import { parseSecretKeys } from './config.js';
import { verifySecretKeys } from './crypto/key-check.js';
import { SecretBox } from './crypto/secret-box.js';
import { isEmpty, seedDemo } from './demo/seed-demo.js';
import type { SetupReport } from './embedded-setup.js';

/**
 * The child process of `setUpNewDatabase` (`src/embedded-setup.ts`): `node
 * embedded-setup-child.js <pgdata> [--demo]`, with the secrets keys in `SECRETS_KEY`. Creates
 * the database in `pgdata` with `createDb`, whose initdb runs in a child of its own as it did
 * for the gateway (so a directory it cannot use fails with the same error), applies the
 * migrations, records the secrets key check, loads the demo data with `--demo`, closes the
 * database and prints one line of JSON on stdout: what it did, or the error that stopped it.
 * The gateway holds the data directory's lock meanwhile.
 */
async function setUp(pgdata: string, demo: boolean): Promise<SetupReport> {
  const secretKeys = parseSecretKeys(process.env.SECRETS_KEY ?? '');
  if (typeof secretKeys === 'string') throw new Error(secretKeys);
  const database = await createDb({ dataDir: pgdata });
  try {
    const applied = await migrateToLatest(database.db);
    await verifySecretKeys(database.db, secretKeys);
    let seeded = false;
    if (demo && (await isEmpty(database.db))) {
      await seedDemo(database.db, new SecretBox(secretKeys));
      seeded = true;
    }
    return { applied, seeded };
  } finally {
    await database.close();
  }
}

// The gateway holds the data directory's lock only while it lives. When it goes, however it
// goes (a signal, a crash, `kill -9`), its end of this process's stdin closes: stop writing
// then, before another gateway takes the lock and opens the directory.
process.stdin.on('end', () => process.exit(1));
process.stdin.resume();

const [pgdata, flag] = process.argv.slice(2);
setUp(pgdata, flag === '--demo').then(
  (report) => {
    console.log(JSON.stringify(report));
    process.exit(0);
  },
  (error: unknown) => {
    const chain: { message: string; code?: string }[] = [];
    for (let e = error; e && chain.length < 10; e = (e as { cause?: unknown }).cause) {
      const code = (e as { code?: unknown }).code;
      chain.push({
        message: e instanceof Error ? e.message : String(e),
        ...(code !== undefined ? { code: String(code) } : {}),
      });
    }
    console.log(JSON.stringify({ error: chain }));
    process.exit(1);
  },
);
