import { parseArgs } from 'node:util';
import { createDb } from '../db/connect.js';
import { loadConfig } from '../src/config.js';
import { rewrapAllSecrets } from '../src/crypto/rewrap.js';
import { SecretBox } from '../src/crypto/secret-box.js';

/**
 * `npm run secrets:rewrap`: after putting a new key first in `SECRETS_KEY`
 * (`new:<base64>,old:<base64>`), moves every stored secret to it. Then the old key can go.
 * `-- --tenant <id>` limits it to one tenant.
 */
const { values } = parseArgs({ options: { tenant: { type: 'string' } } });
const config = loadConfig();
const database = await createDb({
  databaseUrl: config.databaseUrl,
  dataDir: config.databaseUrl ? undefined : `${config.dataDir}/pgdata`,
});
const secrets = new SecretBox(config.secretKeys);
const moved = await rewrapAllSecrets(database.db, secrets, { tenantId: values.tenant });
console.log(`re-wrapped ${moved} secret(s) under key "${secrets.activeKeyId}"`);
await database.close();
