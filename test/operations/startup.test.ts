import { createServer, type Server } from 'node:net';
import { describe, expect, it } from 'vitest';
import { DATA_DIR_LOCK_STALE_MS } from '../../src/data-dir-lock.js';
import { TEST_SECRETS_KEY_ENV } from '../helpers/harness.js';
import { runTs, tempDataDir } from '../helpers/processes.js';
import { onServer, spawnGateway } from '../helpers/server.js';

/** Mistakes at start end in one clear line and a non-zero exit code, never a stack trace. */
const SECRETS_KEY = TEST_SECRETS_KEY_ENV;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const noStack = (text: string) => expect(text).not.toMatch(/\n\s+at /);

describe('start-up mistakes', () => {
  it('NODE_ENV other than development, production or test is a configuration mistake (exit 2)', async () => {
    const data = tempDataDir();
    try {
      const r = await runTs('src/main.ts', [], { DATA_DIR: data.dir, NODE_ENV: 'prod' });
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(
        'NODE_ENV must be one of development, production, test (got "prod")',
      );
    } finally {
      data.remove();
    }
  }, 60_000);

  it.skipIf(!onServer)(
    'a DATABASE_URL naming a database that does not exist says so (exit 1)',
    async () => {
      const url = new URL(process.env.TEST_DATABASE_URL!);
      url.pathname = '/cgw_no_such_database';
      const r = await runTs('src/main.ts', [], { DATABASE_URL: url.toString(), SECRETS_KEY });
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(
        /gateway failed to start: the database "cgw_no_such_database" does not exist on the PostgreSQL server 127\.0\.0\.1:\d+/,
      );
      noStack(r.stderr);
    },
    60_000,
  );

  it.skipIf(!onServer)(
    'a port in use is one line and exit code 1',
    async () => {
      const blocker: Server = createServer();
      await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
      const port = (blocker.address() as { port: number }).port;
      try {
        const r = await runTs('src/main.ts', [], {
          DATABASE_URL: process.env.TEST_DATABASE_URL!,
          SECRETS_KEY,
          PORT: String(port),
        });
        expect(r.code).toBe(1);
        expect(r.stderr.trim()).toBe(
          `gateway failed to start: port ${port} on 127.0.0.1 is already in use (set PORT to a free port, or stop the process that holds it)`,
        );
      } finally {
        blocker.close();
      }
    },
    60_000,
  );
});

describe.skipIf(onServer)('one gateway per embedded data directory', () => {
  it('a second gateway on the same DATA_DIR refuses at once; after a SIGKILL of the first, a new one starts', async () => {
    const data = tempDataDir();
    try {
      const first = await spawnGateway({ DATA_DIR: data.dir });
      const second = await runTs('src/main.ts', [], { DATA_DIR: data.dir }, 30_000);
      expect(second.code).toBe(1);
      expect(second.stderr).toMatch(
        new RegExp(`gateway failed to start: ${data.dir} is in use by another gateway process`),
      );
      noStack(second.stderr);
      // A command that writes the database is refused the same way.
      const command = await runTs('scripts/migrate.ts', [], { DATA_DIR: data.dir }, 30_000);
      expect(command.code).toBe(1);
      expect(command.stderr).toContain('is in use by another gateway process');

      first.proc.kill('SIGKILL');
      await first.exited;
      await sleep(DATA_DIR_LOCK_STALE_MS + 500);
      const third = await spawnGateway({ DATA_DIR: data.dir });
      third.proc.kill('SIGTERM');
      expect(await third.exited).toBe(0);
    } finally {
      data.remove();
    }
  }, 120_000);
});
