import type { ColumnType, Insertable, Selectable } from 'kysely';
import type { CreatedAt } from './identity.js';

/**
 * One idempotency key of one principal: the operation and the hash of the canonical
 * arguments it was first used with, and the result to hand back on a retry (JSON; never a
 * secret: secrets enter the hash only as keyed hashes, and results hold none).
 */
export interface IdempotencyKeysTable {
  principal_id: string;
  key: string;
  operation: string;
  request_hash: string;
  /** The tenant the operation named, when it named one (for operators and tests). */
  tenant_id: string | null;
  result: ColumnType<unknown, string, string>;
  created_at: CreatedAt;
  expires_at: ColumnType<Date, Date, Date>;
}

export type IdempotencyKeyRow = Selectable<IdempotencyKeysTable>;
export type NewIdempotencyKeyRow = Insertable<IdempotencyKeysTable>;
