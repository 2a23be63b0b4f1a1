import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, chownSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createDb } from '../../db/connect.js';
import { migrateToLatest } from '../../db/migrate.js';
import {
  createOesConnection,
  createOesPartner,
  createPrincipalWithKey,
  createTenant,
} from '../../src/demo/builders.js';
import { TEST_SECRETS_KEY_ENV } from '../helpers/harness.js';
import { oesSnapshot, oesWorld, UPDATE_OES } from '../helpers/oes.js';
import { holdRowLock, onServer, postGraphQL, spawnGateway } from '../helpers/server.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const SECRETS_KEY = TEST_SECRETS_KEY_ENV;

async function waitFor(check: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await sleep(50);
  }
  return false;
}
const readyz = (base: string) =>
  fetch(`${base}/readyz`).then(
    (r) => r.status,
    () => 0,
  );

describe.skipIf(!onServer)('the gateway process (PostgreSQL server)', () => {
  it('SIGTERM during an in-flight mutation: /readyz turns 503, the mutation commits and is answered, exit 0', async () => {
    const w = await oesWorld();
    const gw = await spawnGateway({
      DATABASE_URL: process.env.TEST_DATABASE_URL!,
      SECRETS_KEY,
      SHUTDOWN_ANNOUNCE_MS: '1500',
      SHUTDOWN_GRACE_MS: '10000',
    });
    const lock = await holdRowLock(w.tenantId, w.connectionId);
    try {
      const inflight = postGraphQL(
        gw.base,
        UPDATE_OES,
        { enterpriseId: w.tenantId, connectionId: w.connectionId, input: { name: 'last words' } },
        w.admin,
      );
      await sleep(300);
      const signalledAt = Date.now();
      gw.proc.kill('SIGTERM');
      expect(await waitFor(async () => (await readyz(gw.base)) === 503, 1_000)).toBe(true);
      await lock.release();
      const answer = await inflight;
      expect(answer.status).toBe(200);
      expect(answer.body.data.updateOesConnection).toMatchObject({
        __typename: 'UpdateOesConnectionSuccess',
        connection: { name: 'last words', version: 2 },
      });
      expect(await gw.exited).toBe(0);
      expect(Date.now() - signalledAt).toBeLessThan(10_000);
      expect((await oesSnapshot(w.tenantId, w.connectionId)).events).toHaveLength(1);
    } finally {
      await lock.release().catch(() => {});
      if (gw.proc.exitCode === null) gw.proc.kill('SIGKILL');
    }
  });

  it('SIGTERM on an idle production gateway: exits 0 promptly', async () => {
    const gw = await spawnGateway({
      DATABASE_URL: process.env.TEST_DATABASE_URL!,
      SECRETS_KEY,
      NODE_ENV: 'production',
      SHUTDOWN_ANNOUNCE_MS: '0',
    });
    const before = await fetch(`${gw.base}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ viewer { id } }' }),
    });
    expect(before.status).toBe(200);
    const signalledAt = Date.now();
    gw.proc.kill('SIGTERM');
    const code = await Promise.race([gw.exited, sleep(5_000).then(() => 'still running')]);
    if (code === 'still running') gw.proc.kill('SIGKILL');
    expect(code).toBe(0);
    expect(Date.now() - signalledAt).toBeLessThan(5_000);
  });

  const pgBin = existsSync('/usr/lib/postgresql')
    ? readdirSync('/usr/lib/postgresql')
        .sort()
        .map((v) => `/usr/lib/postgresql/${v}/bin`)
        .reverse()
        .find((d) => existsSync(`${d}/initdb`))
    : undefined;
  const isRoot = process.getuid?.() === 0;

  it.skipIf(!pgBin || !isRoot)(
    'the database stops and restarts under load: the process lives, errors are masked and only during the outage, /readyz follows, no partial writes',
    async () => {
      // A private cluster, so stopping it disturbs no other test.
      const dir = mkdtempSync(path.join(tmpdir(), 'cgw-outage-'));
      chownSync(
        dir,
        Number(execFileSync('id', ['-u', 'postgres']).toString()),
        Number(execFileSync('id', ['-g', 'postgres']).toString()),
      );
      const port = await freePort();
      const asPostgres = (cmd: string) =>
        execFileSync('su', ['postgres', '-c', cmd], { stdio: 'pipe' });
      const pgctl = (action: string) =>
        asPostgres(
          `${pgBin}/pg_ctl -D ${dir}/data -w -t 30 -l ${dir}/log -o "-p ${port} -k ${dir} -c listen_addresses=127.0.0.1" ${action}`,
        );
      asPostgres(`${pgBin}/initdb -D ${dir}/data -A trust -U postgres >/dev/null`);
      pgctl('start');
      const url = `postgresql://postgres@127.0.0.1:${port}/postgres`;
      let gw: Awaited<ReturnType<typeof spawnGateway>> | undefined;
      try {
        const setup = await createDb({ databaseUrl: url });
        await migrateToLatest(setup.db);
        await createTenant(setup.db, { id: 'outage', entitlements: ['oes'] });
        const partnerId = await createOesPartner(setup.db, { tenantId: 'outage', name: 'Venue' });
        const connectionId = await createOesConnection(setup.db, {
          tenantId: 'outage',
          partnerId,
          name: 'start',
        });
        const { key } = await createPrincipalWithKey(setup.db, {
          principalId: 'outage-admin',
          key: 'cgw_outage_admin',
          memberships: [{ tenantId: 'outage', permissions: ['connections:write'] }],
        });
        await setup.close();

        gw = await spawnGateway({
          DATABASE_URL: url,
          SECRETS_KEY,
          DB_CONNECTION_TIMEOUT_MS: '1000',
          DB_POOL_SIZE: '4',
        });
        const base = gw.base;
        const outcomes: {
          at: number;
          /** When the request ended: a failure must have been in flight during the outage. */
          end: number;
          ok: boolean;
          version?: number;
          code?: string;
          text: string;
        }[] = [];
        let stopLoad = false;
        let n = 0;
        const worker = async () => {
          while (!stopLoad) {
            const at = Date.now();
            const r: Awaited<ReturnType<typeof postGraphQL>> = await postGraphQL(
              base,
              UPDATE_OES,
              { enterpriseId: 'outage', connectionId, input: { name: `n${n++}` } },
              key,
            ).catch((e) => ({
              status: 0,
              body: { errors: [{ message: String(e), extensions: { code: 'TRANSPORT' } }] },
            }));
            const out = r.body.data?.updateOesConnection;
            const end = Date.now();
            outcomes.push(
              out?.__typename === 'UpdateOesConnectionSuccess'
                ? { at, end, ok: true, version: out.connection.version, text: '' }
                : {
                    at,
                    end,
                    ok: false,
                    code: r.body.errors?.[0]?.extensions?.code,
                    text: JSON.stringify(r.body),
                  },
            );
            await sleep(10);
          }
        };
        const load = Promise.all([worker(), worker(), worker()]);
        await sleep(1_000);
        const stoppedAt = Date.now();
        pgctl('stop -m fast');
        expect(await waitFor(async () => (await readyz(base)) === 503, 5_000)).toBe(true);
        await sleep(1_000);
        pgctl('start');
        expect(await waitFor(async () => (await readyz(base)) === 200, 20_000)).toBe(true);
        const readyAt = Date.now();
        await sleep(1_000);
        stopLoad = true;
        await load;

        expect(gw.proc.exitCode).toBeNull();
        const failures = outcomes.filter((o) => !o.ok);
        const before = outcomes.filter((o) => o.ok && o.at < stoppedAt);
        const after = outcomes.filter((o) => o.ok && o.at > readyAt);
        expect(before.length).toBeGreaterThan(0);
        expect(after.length).toBeGreaterThan(0);
        for (const f of failures) {
          expect(f.code, `${f.text}\n${gw.output.join('').slice(-3000)}`).toBe(
            'SERVICE_UNAVAILABLE',
          );
          // In flight at some moment of the outage: ended after it began, began before its end.
          expect(f.end, 'an error outside the outage').toBeGreaterThanOrEqual(stoppedAt);
          expect(f.at, 'an error outside the outage').toBeLessThanOrEqual(readyAt);
          expect(f.text).not.toMatch(
            /ECONNREFUSED|terminat|oes_connections|\bselect\b|update oes/i,
          );
        }

        const check = await createDb({ databaseUrl: url });
        const row = await check.db
          .selectFrom('oes_connections')
          .selectAll()
          .where('id', '=', connectionId)
          .executeTakeFirstOrThrow();
        const events = await check.db
          .selectFrom('audit_events')
          .select('to_version')
          .where('resource_id', '=', connectionId)
          .orderBy('to_version')
          .execute();
        await check.close();
        expect(events.map((e) => e.to_version)).toEqual(
          Array.from({ length: row.version - 1 }, (_, i) => i + 2),
        );
        const successVersions = outcomes.filter((o) => o.ok).map((o) => o.version!);
        expect(new Set(successVersions).size).toBe(successVersions.length);
        expect(successVersions.every((v) => v <= row.version)).toBe(true);
      } finally {
        if (gw && gw.proc.exitCode === null) {
          gw.proc.kill('SIGTERM');
          await gw.exited;
        }
        try {
          pgctl('stop -m immediate');
        } catch {
          // already stopped
        }
        rmSync(dir, { recursive: true, force: true });
      }
    },
    60_000,
  );
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}
