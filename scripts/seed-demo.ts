import { createDb } from '../db/connect.js';
import { migrateToLatest } from '../db/migrate.js';
import { loadConfig } from '../src/config.js';
import { SecretBox } from '../src/crypto/secret-box.js';
import { hasDemoData, seedDemo } from '../src/demo/seed-demo.js';

/** `npm run seed:demo`: loads the demo data unless it is already there. */
const config = loadConfig();
const database = await createDb({
  databaseUrl: config.databaseUrl,
  dataDir: config.databaseUrl ? undefined : `${config.dataDir}/pgdata`,
});
await migrateToLatest(database.db);
if (await hasDemoData(database.db)) console.log('the demo data is already loaded');
else {
  await seedDemo(database.db, new SecretBox(config.secretKeys));
  console.log('loaded the demo data');
}
await database.close();
