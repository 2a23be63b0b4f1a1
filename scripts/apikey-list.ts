import { listApiKeys } from '../db/queries/identity.js';
import { isTenantId } from '../src/shared/validate.js';
import { openConfiguredDatabase, parseCliArgs, runCli, UsageError } from './cli.js';

/**
 * `npm run apikey:list [-- --tenant <id>] [-- --json]`: every API key (or those with rights in
 * one tenant): id, principal, tenant, permissions, created, expires, revoked. Never the key
 * or its hash. One line per key and tenant; `--json` prints one JSON array instead.
 */
runCli('npm run apikey:list [-- --tenant <id>] [--json]', async () => {
  const values = parseCliArgs({ tenant: { type: 'string' }, json: { type: 'boolean' } });
  if (values.tenant !== undefined && !isTenantId(values.tenant))
    throw new UsageError(`"${values.tenant}" is not a tenant id`);
  const { database } = await openConfiguredDatabase();
  try {
    const keys = await listApiKeys(database.db, { tenantId: values.tenant });
    if (values.json) {
      console.log(JSON.stringify(keys, null, 2));
      return;
    }
    const iso = (d: Date | null) => (d ? d.toISOString() : '-');
    const rows = keys.flatMap((k) =>
      (k.memberships.length ? k.memberships : [{ tenantId: '-', permissions: [] }]).map((m) => [
        k.id,
        k.principalId,
        m.tenantId,
        m.permissions.join(',') || '-',
        iso(k.createdAt),
        iso(k.expiresAt),
        iso(k.revokedAt),
      ]),
    );
    const header = ['id', 'principal', 'tenant', 'permissions', 'created', 'expires', 'revoked'];
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
    for (const row of [header, ...rows])
      console.log(
        row
          .map((cell, i) => cell.padEnd(widths[i]))
          .join('  ')
          .trimEnd(),
      );
  } finally {
    await database.close();
  }
});
