import { createDb } from '../db/connect.js';
import { migrateToLatest } from '../db/migrate.js';
import { loadConfig } from '../src/config.js';

/** `npm run migrate`: applies pending migrations to the configured database. */
const config = loadConfig();
const database = await createDb({
  databaseUrl: config.databaseUrl,
  dataDir: config.databaseUrl ? undefined : `${config.dataDir}/pgdata`,
});
const applied = await migrateToLatest(database.db);
console.log(applied.length ? `applied: ${applied.join(', ')}` : 'the schema is up to date');
await database.close();
