import { describe, expect, it } from 'vitest';
import { hashApiKey } from '../../src/auth/api-keys.js';
import { TEST_SECRETS_KEY_ENV, gql, newTenant } from '../helpers/harness.js';
import { runTs, tempDataDir } from '../helpers/processes.js';
import { onServer, postGraphQL, spawnGateway } from '../helpers/server.js';

/** `apikey:create`, `apikey:list` and `apikey:revoke`, run as the processes npm runs. */
const SECRETS_KEY = TEST_SECRETS_KEY_ENV;
const serverEnv = () => ({ DATABASE_URL: process.env.TEST_DATABASE_URL!, SECRETS_KEY });
const VIEWER = '{ viewer { id memberships { tenantId permissions } } }';

async function createKey(args: string[]): Promise<{ key: string; id: string }> {
  const r = await runTs('scripts/apikey-create.ts', args, serverEnv());
  expect(r.code, r.stderr).toBe(0);
  const id = /Key id ([0-9a-f-]{36})/.exec(r.stderr)![1];
  return { key: r.stdout.trim(), id };
}

describe.skipIf(!onServer)('API keys from the command line (PostgreSQL server)', () => {
  it('list shows a key without its secret; revoke refuses it on the next request, on two gateway processes', async () => {
    const tenant = await newTenant();
    const principal = `ops-${tenant}`;
    const { key, id } = await createKey([
      '--principal',
      principal,
      '--tenant',
      tenant,
      '--permissions',
      'connections:read,connections:write',
      '--expires-days',
      '30',
    ]);
    const gateways = [await spawnGateway(serverEnv()), await spawnGateway(serverEnv())];
    try {
      for (const gw of gateways) {
        const r = await postGraphQL(gw.base, VIEWER, {}, key);
        expect(r.body.data.viewer.id).toBe(principal);
      }

      const list = await runTs('scripts/apikey-list.ts', ['--tenant', tenant], serverEnv());
      expect(list.code, list.stderr).toBe(0);
      const lines = list.stdout.trim().split('\n');
      expect(lines[0].split(/\s+/)).toEqual([
        'id',
        'principal',
        'tenant',
        'permissions',
        'created',
        'expires',
        'revoked',
      ]);
      expect(lines).toHaveLength(2);
      const cells = lines[1].split(/\s+/);
      expect(cells.slice(0, 4)).toEqual([
        id,
        principal,
        tenant,
        'connections:read,connections:write',
      ]);
      const lifetime = new Date(cells[5]).getTime() - new Date(cells[4]).getTime();
      expect(Math.abs(lifetime - 30 * 86_400_000)).toBeLessThan(60_000);
      expect(cells[6]).toBe('-');
      expect(list.stdout).not.toContain(key);
      expect(list.stdout).not.toContain(hashApiKey(key));

      const revoked = await runTs('scripts/apikey-revoke.ts', ['--id', id], serverEnv());
      expect(revoked.code, revoked.stderr).toBe(0);
      for (const gw of gateways) {
        const r = await postGraphQL(gw.base, VIEWER, {}, key);
        expect(r.body.data.viewer).toBeNull();
      }
      const after = await runTs('scripts/apikey-list.ts', ['--tenant', tenant], serverEnv());
      expect(after.stdout.trim().split('\n')[1].split(/\s+/)[6]).toMatch(/^\d{4}-\d\d-\d\dT/);

      const again = await runTs('scripts/apikey-revoke.ts', ['--id', id], serverEnv());
      expect(again.code).toBe(0);
      expect(again.stdout).toContain('already revoked');
      const unknown = await runTs(
        'scripts/apikey-revoke.ts',
        ['--id', '00000000-0000-4000-8000-000000000000'],
        serverEnv(),
      );
      expect(unknown.code).toBe(2);
      expect(unknown.stderr).toContain('no API key with id');
    } finally {
      for (const gw of gateways) {
        gw.proc.kill('SIGTERM');
        await gw.exited;
      }
    }
  }, 120_000);

  it("a second key for a principal has its own rights and leaves the first key's unchanged", async () => {
    const [t1, t2] = [await newTenant(), await newTenant()];
    const principal = `shared-${t1}`;
    const first = await createKey([
      '--principal',
      principal,
      '--tenant',
      t1,
      '--permissions',
      'connections:read',
    ]);
    const second = await createKey([
      '--principal',
      principal,
      '--tenant',
      t2,
      '--permissions',
      'connections:read,connections:write',
    ]);
    const third = await createKey([
      '--principal',
      principal,
      '--tenant',
      t1,
      '--permissions',
      'connections:write',
    ]);
    const rights = async (key: string) => (await gql(VIEWER, {}, key)).data!.viewer.memberships;
    expect(await rights(first.key)).toEqual([{ tenantId: t1, permissions: ['connections:read'] }]);
    expect(await rights(second.key)).toEqual([
      { tenantId: t2, permissions: ['connections:read', 'connections:write'] },
    ]);
    expect(await rights(third.key)).toEqual([{ tenantId: t1, permissions: ['connections:write'] }]);
  }, 60_000);
});

describe.skipIf(onServer)('apikey:create arguments', () => {
  it('a bad --expires-days or an unknown option is a one-line usage error (exit 2), not a stack trace', async () => {
    const data = tempDataDir();
    try {
      for (const [args, message] of [
        [['--expires-days', '-1'], /--expires-days/],
        [['--expires-days=-1'], /--expires-days must be a whole number of days from 1 to 3650/],
        [['--expires-days', '1e9'], /--expires-days must be a whole number of days from 1 to 3650/],
        [['--expires-days', '4000'], /from 1 to 3650 \(got "4000"\)/],
        [['--expires-days', 'soon'], /from 1 to 3650 \(got "soon"\)/],
        [['--expires-days', '0'], /from 1 to 3650/],
        [['--expires-dayz', '3'], /Unknown option '--expires-dayz'/],
      ] as const) {
        const r = await runTs(
          'scripts/apikey-create.ts',
          ['--principal', 'p', '--tenant', 't', ...args],
          { DATA_DIR: data.dir },
        );
        expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(2);
        expect(r.stderr).toMatch(message);
        expect(r.stderr).toMatch(/^usage: npm run apikey:create/m);
        expect(r.stderr).not.toMatch(/\n\s+at /);
      }
    } finally {
      data.remove();
    }
  }, 120_000);
});
