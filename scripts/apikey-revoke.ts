import { listApiKeys, revokeApiKey } from '../db/queries/identity.js';
import { isUuid } from '../src/shared/validate.js';
import { openConfiguredDatabase, parseCliArgs, runCli, UsageError } from './cli.js';

/**
 * `npm run apikey:revoke -- --id <id>`: revokes one API key (its id from `apikey:list`). Keys
 * are looked up on every request, uncached, so every gateway process refuses it from its
 * next request on.
 */
runCli('npm run apikey:revoke -- --id <key id>', async () => {
  const values = parseCliArgs({ id: { type: 'string' } });
  if (!values.id || !isUuid(values.id)) throw new UsageError('--id must be a key id (a UUID)');
  const { database } = await openConfiguredDatabase();
  try {
    if (await revokeApiKey(database.db, values.id.toLowerCase())) {
      console.log(`revoked API key ${values.id}`);
      return;
    }
    const [key] = await listApiKeys(database.db, { id: values.id.toLowerCase() });
    if (!key) throw new UsageError(`no API key with id ${values.id}`);
    console.log(`API key ${values.id} was already revoked at ${key.revokedAt!.toISOString()}`);
  } finally {
    await database.close();
  }
});
