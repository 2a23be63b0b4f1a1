import { verifySecretKeys } from '../src/crypto/key-check.js';
import { SecretBox } from '../src/crypto/secret-box.js';
import { hasDemoData, seedDemo } from '../src/demo/seed-demo.js';
import { openConfiguredDatabase, parseCliArgs, runCli, UsageError } from './cli.js';

const FLAG = 'yes-load-public-demo-keys';

/**
 * `npm run seed:demo`: loads the demo data unless it is already there. The demo keys are
 * published, so they must never open a real deployment: refused with `NODE_ENV=production`,
 * and against a PostgreSQL server (`DATABASE_URL`) unless `-- --yes-load-public-demo-keys`.
 */
runCli(`npm run seed:demo [-- --${FLAG}]`, async () => {
  const values = parseCliArgs({ [FLAG]: { type: 'boolean' } });
  if (process.env.NODE_ENV === 'production') {
    throw new UsageError(
      'refused: NODE_ENV=production. The demo data holds published API keys (cgw_demo_…) that would open this database to anyone',
    );
  }
  if (process.env.DATABASE_URL && !values[FLAG]) {
    throw new UsageError(
      `refused: DATABASE_URL names a PostgreSQL server, and the demo data holds published API keys (cgw_demo_…) that would open it to anyone. Add --${FLAG} if this database is only for trying the gateway out`,
    );
  }
  const { config, database } = await openConfiguredDatabase();
  try {
    await verifySecretKeys(database.db, config.secretKeys);
    if (await hasDemoData(database.db)) console.log('the demo data is already loaded');
    else {
      await seedDemo(database.db, new SecretBox(config.secretKeys));
      console.log('loaded the demo data');
    }
  } finally {
    await database.close();
  }
});
