import { mkdirSync, statSync } from 'node:fs';
import path from 'node:path';
import lockfile from 'proper-lockfile';

/** How long a lock whose holder stopped refreshing it counts as held (proper-lockfile's `stale`). */
export const DATA_DIR_LOCK_STALE_MS = 10_000;

export class DataDirInUseError extends Error {
  constructor(dataDir: string, lockPath: string, ageMs: number | undefined) {
    const age = ageMs === undefined ? '' : `, last refreshed ${Math.round(ageMs / 1000)} s ago`;
    super(
      `${dataDir} is in use by another gateway process (lock ${lockPath}${age}). ` +
        'Two processes on one embedded database lose writes: stop the other one, or run several ' +
        'gateways on a PostgreSQL server (DATABASE_URL). A lock left by a crashed process expires ' +
        `${DATA_DIR_LOCK_STALE_MS / 1000} s after its last refresh.`,
    );
    this.name = 'DataDirInUseError';
  }
}

/**
 * Takes the exclusive lock on an embedded data directory, so that no second gateway (or CLI
 * command) opens the same PGlite files: PGlite has no lock of its own, and two processes
 * writing one data directory silently lose each other's acknowledged writes.
 *
 * The lock is `proper-lockfile`'s: an atomic `mkdir` of `DATA_DIR/gateway.lock`, whose mtime
 * the holder refreshes every `stale / 2`. A lock not refreshed for `DATA_DIR_LOCK_STALE_MS`
 * is stale and taken over, so a SIGKILLed process never leaves the directory stuck, and
 * (unlike a pid file) it works when the holder is in another pid namespace or container. The
 * lock is removed on a normal exit. Should the lock ever be taken from under a live holder
 * (its event loop blocked past `stale`), `onCompromised` is called: the holder must stop
 * writing at once.
 *
 * Throws `DataDirInUseError` at once when another live process holds the lock.
 */
export async function lockDataDir(
  dataDir: string,
  onCompromised: (error: Error) => void,
): Promise<() => Promise<void>> {
  mkdirSync(dataDir, { recursive: true });
  const lockPath = path.join(dataDir, 'gateway.lock');
  try {
    return await lockfile.lock(dataDir, {
      lockfilePath: lockPath,
      realpath: false,
      stale: DATA_DIR_LOCK_STALE_MS,
      retries: 0,
      onCompromised,
    });
  } catch (error) {
    if ((error as { code?: string }).code !== 'ELOCKED') throw error;
    let ageMs: number | undefined;
    try {
      ageMs = Date.now() - statSync(lockPath).mtimeMs;
    } catch {
      // released in the meantime: report without the age
    }
    throw new DataDirInUseError(dataDir, lockPath, ageMs);
  }
}
