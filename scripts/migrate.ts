import { openConfiguredDatabase, runCli } from './cli.js';

/** `npm run migrate`: applies pending migrations to the configured database. */
runCli('npm run migrate', async () => {
  const { database, applied } = await openConfiguredDatabase();
  await database.close();
  console.log(applied.length ? `applied: ${applied.join(', ')}` : 'the schema is up to date');
});
