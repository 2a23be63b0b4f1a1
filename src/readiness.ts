import { open, unlink } from 'node:fs/promises';
import path from 'node:path';
import type { Kysely } from 'kysely';
import type { Database } from '../db/database.js';
import { databaseTakesWrites } from '../db/queries/readiness.js';

/**
 * What `/readyz` asks: can the gateway commit a write now? On a server: a one-row write
 * (`db/queries/readiness.ts`). On the embedded database, first whether its directory takes
 * a new file (created, written, synced, removed): PGlite's PostgreSQL keeps files it already
 * opened writable, so a directory that turned unwritable (permissions, a read-only remount,
 * a full disk) fails only the writes that need a new file, and a write probe on an open file
 * alone would say "ready". The directory is checked before PGlite is touched.
 */
export function readinessProbe(options: {
  db: Kysely<Database>;
  dataDir?: string;
}): () => Promise<boolean> {
  const { db, dataDir } = options;
  const probe = async () =>
    (dataDir === undefined || (await directoryTakesWrites(dataDir))) &&
    (await databaseTakesWrites(db));
  // Concurrent `/readyz` calls share one probe: two probes of one file would remove each
  // other's file and report "unavailable", and a burst of calls costs one write.
  let running: Promise<boolean> | undefined;
  return () => (running ??= probe().finally(() => (running = undefined)));
}

async function directoryTakesWrites(dir: string): Promise<boolean> {
  const file = path.join(dir, `.readyz-${process.pid}`);
  try {
    const handle = await open(file, 'w');
    try {
      await handle.writeFile('ready\n');
      await handle.sync();
    } finally {
      await handle.close();
    }
    await unlink(file);
    return true;
  } catch {
    await unlink(file).catch(() => {});
    return false;
  }
}
