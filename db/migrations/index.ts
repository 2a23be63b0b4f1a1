import type { Migration, MigrationProvider } from 'kysely/migration';
import * as initial from './2026_11_23_1800_initial.js';
import * as idempotencyKeys from './2026_11_30_0500_idempotency_keys.js';
import * as auditChanges from './2026_11_30_0510_audit_changes.js';
import * as changeFeed from './2026_11_30_0530_change_feed.js';
import * as apiKeyMemberships from './2026_11_30_0600_api_key_memberships.js';
import * as keyChecksAndReadiness from './2026_11_30_0610_key_checks_and_readiness.js';
import * as notifyAfterCommit from './2026_11_30_1300_notify_after_commit.js';
import * as namesNfc from './2026_12_01_0420_names_nfc.js';

/**
 * The migrations, by name. A static map instead of `FileMigrationProvider`: it works the same
 * from `tsx`, from vitest and from the compiled `dist/`, and a migration can never be missed
 * because of a file-system glob. Names sort in the order they must run.
 */
const migrations: Record<string, Migration> = {
  '2026_11_23_1800_initial': initial,
  '2026_11_30_0500_idempotency_keys': idempotencyKeys,
  '2026_11_30_0510_audit_changes': auditChanges,
  '2026_11_30_0530_change_feed': changeFeed,
  '2026_11_30_0600_api_key_memberships': apiKeyMemberships,
  '2026_11_30_0610_key_checks_and_readiness': keyChecksAndReadiness,
  '2026_11_30_1300_notify_after_commit': notifyAfterCommit,
  '2026_12_01_0420_names_nfc': namesNfc,
};

export const migrationProvider: MigrationProvider = {
  getMigrations: async () => migrations,
};
