import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';

/** A keyset position: the `(created_at, id)` of the last row of a page. */
export interface CursorPosition {
  createdAt: Date;
  id: string;
}

/**
 * The list a cursor continues: the query's name and the arguments that choose its rows
 * (tenant, filters). A cursor is valid only for the scope it was issued for.
 */
export interface CursorScope {
  list: string;
  args: readonly (string | null)[];
}

const FORMAT = 1;
/** Format byte, milliseconds since the epoch (int64), the id's 16 bytes. */
const BODY_BYTES = 1 + 8 + 16;
/** HMAC-SHA256 truncated to 128 bits. */
const TAG_BYTES = 16;
const CURSOR_CHARS = Math.ceil(((BODY_BYTES + TAG_BYTES) * 4) / 3);
const HKDF_INFO = 'connection-gateway/page-cursor/v1';
/** Timestamps PostgreSQL and `Date#toISOString` agree on (4-digit years). */
const MIN_TIME = Date.parse('0001-01-01T00:00:00.000Z');
const MAX_TIME = Date.parse('9999-12-31T23:59:59.999Z');

/**
 * Signs and opens page cursors: `base64url(format ‖ created_at ms ‖ id ‖ tag)`, 55 characters,
 * where the tag is an HMAC over the position and the list's scope. The scope is not in the
 * cursor (the request carries it), so a cursor from another list, tenant or filter simply
 * does not verify. The HMAC key is derived with HKDF from each key of the secrets ring; new
 * cursors are signed with the first, and a cursor signed with any key of the ring is accepted,
 * so rotating `SECRETS_KEY` does not break a client paging through a list; dropping the old
 * key from the ring retires its cursors.
 */
export class CursorSigner {
  readonly #keys: Buffer[];

  constructor(secretKeys: { id: string; key: Buffer }[]) {
    if (secretKeys.length === 0) throw new Error('CursorSigner needs at least one key');
    this.#keys = secretKeys.map(({ key }) =>
      Buffer.from(hkdfSync('sha256', key, Buffer.alloc(0), HKDF_INFO, 32)),
    );
  }

  sign(scope: CursorScope, position: CursorPosition): string {
    const body = Buffer.alloc(BODY_BYTES);
    body.writeUInt8(FORMAT, 0);
    body.writeBigInt64BE(BigInt(position.createdAt.getTime()), 1);
    body.write(position.id.replace(/-/g, ''), 9, 'hex');
    return Buffer.concat([body, tag(this.#keys[0], scope, body)]).toString('base64url');
  }

  /** The position a cursor holds, or `null` when this gateway did not issue it for `scope`. */
  open(scope: CursorScope, cursor: string): CursorPosition | null {
    if (cursor.length !== CURSOR_CHARS) return null;
    const raw = Buffer.from(cursor, 'base64url');
    // Only the canonical spelling: no other characters, no other trailing bits.
    if (raw.length !== BODY_BYTES + TAG_BYTES || raw.toString('base64url') !== cursor) return null;
    const body = raw.subarray(0, BODY_BYTES);
    const given = raw.subarray(BODY_BYTES);
    let valid = false;
    for (const key of this.#keys) valid = timingSafeEqual(tag(key, scope, body), given) || valid;
    if (!valid || body[0] !== FORMAT) return null;
    // Issued cursors hold a row's timestamp; the range check keeps a value PostgreSQL would
    // reject from ever reaching SQL, whatever signed it.
    const time = Number(body.readBigInt64BE(1));
    if (time < MIN_TIME || time > MAX_TIME) return null;
    const hex = body.toString('hex', 9);
    const id = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
    return { createdAt: new Date(time), id };
  }
}

function tag(key: Buffer, scope: CursorScope, body: Buffer): Buffer {
  return createHmac('sha256', key)
    .update(body)
    .update(JSON.stringify([scope.list, ...scope.args]))
    .digest()
    .subarray(0, TAG_BYTES);
}
