import type { Kysely } from 'kysely';
import type { Database } from '../../db/database.js';
import { insertKeyCheck, keyChecks, sealedCellsNotUnder } from '../../db/queries/secrets.js';
import { SEALED_COLUMNS } from './sealed-columns.js';
import { SecretBox, type SecretContext } from './secret-box.js';

const CHECK_VALUE = 'connection-gateway secrets key check';
const checkContext = (keyId: string): SecretContext => ({
  tenantId: '',
  resourceType: 'SecretKeyCheck',
  resourceId: keyId,
  field: 'check',
});

export class SecretKeyMismatchError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SecretKeyMismatchError';
  }
}

/**
 * Proves, before anything is read or sealed, that the configured secrets keys are the ones
 * the database's secrets were sealed with. The database keeps, per key id, a known value
 * sealed with that key (`secret_key_checks`). Refused (`SecretKeyMismatchError`):
 * - a configured key whose id has a check that it does not open (the key was replaced or
 *   mistyped under the same id);
 * - a configuration none of whose keys has a check, while the database has checks (every
 *   sealed secret would be unreadable).
 * A database with no check yet (new, or from before checks existed) is checked against one
 * stored secret per sealed column instead, when it has any. Then the active (first) key's
 * check is recorded if missing: a rotated ring (`new,old`) records `new` on its first start.
 */
export async function verifySecretKeys(
  db: Kysely<Database>,
  keys: { id: string; key: Buffer }[],
): Promise<void> {
  const checks = await keyChecks(db);
  const restore =
    'Restore the key that sealed them (SECRETS_KEY, or DATA_DIR/secrets.key in embedded mode); ' +
    'to rotate keys, put the new key first and keep the old one until `npm run secrets:rewrap` has run.';
  let opened = 0;
  for (const key of keys) {
    const check = checks.find((c) => c.key_id === key.id);
    if (!check) continue;
    if (!opens(key, check.sealed, checkContext(key.id))) {
      throw new SecretKeyMismatchError(
        `the secrets key "${key.id}" is not the key this database's secrets were sealed with. ${restore}`,
      );
    }
    opened++;
  }
  if (checks.length > 0 && opened === 0) {
    throw new SecretKeyMismatchError(
      `none of the configured secrets keys (${configured(keys)}) opens this database's secrets, which ` +
        `were sealed with key(s) ${checks.map((c) => `"${c.key_id}"`).join(', ')}. ${restore}`,
    );
  }
  if (checks.length === 0) await checkAgainstStoredSecrets(db, keys, restore);
  await recordActiveKeyCheck(db, keys);
}

/** Records the check of the active (first) key, if the database has none for its id. */
export async function recordActiveKeyCheck(
  db: Kysely<Database>,
  keys: { id: string; key: Buffer }[],
): Promise<void> {
  const active = keys[0];
  await insertKeyCheck(
    db,
    active.id,
    new SecretBox([active]).seal(CHECK_VALUE, checkContext(active.id)),
  );
}

async function checkAgainstStoredSecrets(
  db: Kysely<Database>,
  keys: { id: string; key: Buffer }[],
  restore: string,
): Promise<void> {
  const box = new SecretBox(keys);
  for (const col of SEALED_COLUMNS) {
    const [cell] = await sealedCellsNotUnder(db, col.table, col.column, '', null, 1);
    if (!cell) continue;
    try {
      box.open(cell.sealed, {
        tenantId: cell.tenant_id,
        resourceType: col.resourceType,
        resourceId: cell.id,
        field: col.field,
      });
    } catch {
      throw new SecretKeyMismatchError(
        `the configured secrets keys (${configured(keys)}) do not open the secrets stored in this database. ${restore}`,
      );
    }
  }
}

const configured = (keys: { id: string }[]) => keys.map((k) => k.id).join(', ');

function opens(key: { id: string; key: Buffer }, sealed: string, context: SecretContext): boolean {
  try {
    return new SecretBox([key]).open(sealed, context) === CHECK_VALUE;
  } catch {
    return false;
  }
}
