import type { Kysely } from 'kysely';
import type { Database } from '../../db/database.js';
import { replaceSealedCell, sealedCellsNotUnder } from '../../db/queries/secrets.js';
import type { SecretBox } from './secret-box.js';
import { SEALED_COLUMNS, sealingContext } from './sealed-columns.js';

/**
 * Moves every sealed secret to the active key: each data key is unwrapped with its old key
 * and wrapped again with the active one (the secret's own ciphertext is untouched). Rows are
 * not versioned or audited: nothing a user sees changes. `tenantId` limits it to one tenant.
 * Returns how many values moved.
 */
export async function rewrapAllSecrets(
  db: Kysely<Database>,
  secrets: SecretBox,
  options: { tenantId?: string; batchSize?: number } = {},
): Promise<number> {
  const batchSize = options.batchSize ?? 500;
  let moved = 0;
  for (const col of SEALED_COLUMNS) {
    let afterId: string | null = null;
    for (;;) {
      const cells = await sealedCellsNotUnder(
        db,
        col.table,
        col.column,
        secrets.activeKeyId,
        afterId,
        batchSize,
        options.tenantId,
      );
      if (cells.length === 0) break;
      for (const cell of cells) {
        const resealed = secrets.rewrap(
          cell.sealed,
          sealingContext(`${col.table}.${col.column}`, { tenantId: cell.tenant_id, id: cell.id }),
        );
        if (await replaceSealedCell(db, col.table, col.column, cell, resealed)) moved++;
      }
      afterId = cells[cells.length - 1].id;
    }
  }
  return moved;
}
