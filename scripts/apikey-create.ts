import { randomUUID } from 'node:crypto';
import { insertApiKey, insertPrincipal } from '../db/queries/identity.js';
import { generateApiKey, hashApiKey } from '../src/auth/api-keys.js';
import { isPermission, PERMISSIONS } from '../src/auth/principal.js';
import { openConfiguredDatabase, parseCliArgs, runCli, UsageError } from './cli.js';

/** The longest expiry `--expires-days` accepts (ten years). */
const MAX_EXPIRES_DAYS = 3650;

/**
 * `npm run apikey:create -- --principal ops-bot --tenant acme --permissions connections:read,connections:write [--expires-days 90]`
 * Creates the principal if needed, then a new key with exactly these rights in this tenant,
 * and prints the key once: only its hash is stored. The rights belong to the key: other keys
 * of the same principal keep theirs.
 */
runCli(
  'npm run apikey:create -- --principal <id> --tenant <tenantId> [--permissions a,b] [--expires-days N] [--name <label>]',
  async () => {
    const values = parseCliArgs({
      principal: { type: 'string' },
      tenant: { type: 'string' },
      permissions: { type: 'string', default: 'connections:read' },
      'expires-days': { type: 'string' },
      name: { type: 'string' },
    });
    if (!values.principal || !values.tenant)
      throw new UsageError('--principal and --tenant are required');
    const permissions = values
      .permissions!.split(',')
      .map((p) => p.trim())
      .filter(Boolean);
    const unknown = permissions.filter((p) => !isPermission(p));
    if (unknown.length || permissions.length === 0) {
      throw new UsageError(
        `unknown permission(s): ${unknown.join(', ') || '(none given)'}; valid: ${PERMISSIONS.join(', ')}`,
      );
    }
    const rawDays = values['expires-days'];
    const days = rawDays === undefined ? null : Number(rawDays);
    if (days !== null && (!/^\d+$/.test(rawDays!) || days < 1 || days > MAX_EXPIRES_DAYS)) {
      throw new UsageError(
        `--expires-days must be a whole number of days from 1 to ${MAX_EXPIRES_DAYS} (got "${rawDays}")`,
      );
    }

    const { database } = await openConfiguredDatabase();
    try {
      const tenant = await database.db
        .selectFrom('tenants')
        .select('id')
        .where('id', '=', values.tenant)
        .executeTakeFirst();
      if (!tenant) throw new UsageError(`no tenant "${values.tenant}"`);
      const key = generateApiKey();
      const id = randomUUID();
      await database.db.transaction().execute(async (trx) => {
        await insertPrincipal(trx, {
          id: values.principal!,
          name: values.name ?? values.principal!,
        });
        await insertApiKey(trx, {
          id,
          principalId: values.principal!,
          name: values.name ?? `${values.principal} key`,
          keyHash: hashApiKey(key),
          expiresAt: days ? new Date(Date.now() + days * 86_400_000) : null,
          memberships: [{ tenantId: values.tenant!, permissions }],
        });
      });
      console.log(key);
      console.error(`Key id ${id}. Store the key now: it is shown only once.`);
    } finally {
      await database.close();
    }
  },
);
