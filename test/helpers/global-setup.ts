import { createDb } from '../../db/connect.js';
import { migrateToLatest } from '../../db/migrate.js';

/**
 * With `TEST_DATABASE_URL`, migrate the server database once before the workers start (each
 * PGlite worker migrates its own in-memory database instead).
 */
export default async function setup(): Promise<void> {
  const url = process.env.TEST_DATABASE_URL;
  if (!url) return;
  const database = await createDb({ databaseUrl: url });
  try {
    await migrateToLatest(database.db);
  } finally {
    await database.close();
  }
}
