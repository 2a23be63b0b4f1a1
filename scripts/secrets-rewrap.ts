import { rewrapAllSecrets } from '../src/crypto/rewrap.js';
import { verifySecretKeys } from '../src/crypto/key-check.js';
import { SecretBox } from '../src/crypto/secret-box.js';
import { isTenantId } from '../src/shared/validate.js';
import { openConfiguredDatabase, parseCliArgs, runCli, UsageError } from './cli.js';

/**
 * `npm run secrets:rewrap`: after putting a new key first in `SECRETS_KEY`
 * (`new:<base64>,old:<base64>`), moves every stored secret to it. Then the old key can go.
 * `-- --tenant <id>` limits it to one tenant. The keys are checked against the database
 * first, and the new key's check is recorded, so a gateway with only the new key starts.
 */
runCli('npm run secrets:rewrap [-- --tenant <id>]', async () => {
  const values = parseCliArgs({ tenant: { type: 'string' } });
  if (values.tenant !== undefined && !isTenantId(values.tenant))
    throw new UsageError(`"${values.tenant}" is not a tenant id`);
  const { config, database } = await openConfiguredDatabase();
  try {
    await verifySecretKeys(database.db, config.secretKeys);
    const secrets = new SecretBox(config.secretKeys);
    const moved = await rewrapAllSecrets(database.db, secrets, { tenantId: values.tenant });
    console.log(`re-wrapped ${moved} secret(s) under key "${secrets.activeKeyId}"`);
  } finally {
    await database.close();
  }
});
