import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { createDb } from '../db/connect.js';
import { insertApiKey, insertPrincipal, upsertMembership } from '../db/queries/identity.js';
import { migrateToLatest } from '../db/migrate.js';
import { generateApiKey, hashApiKey } from '../src/auth/api-keys.js';
import { isPermission, PERMISSIONS } from '../src/auth/principal.js';
import { loadConfig } from '../src/config.js';

/**
 * `npm run apikey:create -- --principal ops-bot --tenant acme --permissions connections:read,connections:write [--expires-days 90]`
 * Creates the principal and membership if needed, then a new key, and prints the key once:
 * only its hash is stored.
 */
const { values } = parseArgs({
  options: {
    principal: { type: 'string' },
    tenant: { type: 'string' },
    permissions: { type: 'string', default: 'connections:read' },
    'expires-days': { type: 'string' },
    name: { type: 'string' },
  },
});
if (!values.principal || !values.tenant) {
  console.error(
    'usage: npm run apikey:create -- --principal <id> --tenant <tenantId> [--permissions a,b] [--expires-days N]',
  );
  console.error(`permissions: ${PERMISSIONS.join(', ')}`);
  process.exit(2);
}
const permissions = values.permissions
  .split(',')
  .map((p) => p.trim())
  .filter(Boolean);
const unknown = permissions.filter((p) => !isPermission(p));
if (unknown.length) {
  console.error(`unknown permission(s): ${unknown.join(', ')}; valid: ${PERMISSIONS.join(', ')}`);
  process.exit(2);
}
const days = values['expires-days'] ? Number(values['expires-days']) : null;
if (days !== null && (!Number.isInteger(days) || days < 1)) {
  console.error('--expires-days must be a whole number of days, 1 or more');
  process.exit(2);
}

const config = loadConfig();
const database = await createDb({
  databaseUrl: config.databaseUrl,
  dataDir: config.databaseUrl ? undefined : `${config.dataDir}/pgdata`,
});
await migrateToLatest(database.db);
const tenant = await database.db
  .selectFrom('tenants')
  .select('id')
  .where('id', '=', values.tenant)
  .executeTakeFirst();
if (!tenant) {
  console.error(`no tenant "${values.tenant}"`);
  await database.close();
  process.exit(2);
}
const key = generateApiKey();
await database.db.transaction().execute(async (trx) => {
  await insertPrincipal(trx, { id: values.principal!, name: values.name ?? values.principal! });
  await upsertMembership(trx, {
    principalId: values.principal!,
    tenantId: values.tenant!,
    permissions,
  });
  await insertApiKey(trx, {
    id: randomUUID(),
    principalId: values.principal!,
    name: values.name ?? `${values.principal} key`,
    keyHash: hashApiKey(key),
    expiresAt: days ? new Date(Date.now() + days * 86_400_000) : null,
  });
});
console.log(key);
console.error('Store this key now: it is shown only once.');
await database.close();
