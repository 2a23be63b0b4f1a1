import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';
import { parseSnapshot, type Snapshot } from './snapshot.js';

/**
 * Where a subscriber stands in its tenant's change stream: it has received every event of
 * a transaction committed in snapshot `lo`, and of those committed in the later snapshot
 * `hi`, every event with `seq <= seq`; nothing else. Resuming delivers exactly the rest.
 */
export interface ChangePosition {
  tenantId: string;
  lo: Snapshot;
  hi: Snapshot;
  seq: bigint;
}

/**
 * Signs and opens `connectionChanges` cursors: base64url JSON of the position, a dot, and an
 * HMAC-SHA256 tag (key derived from the first secrets key; every key of the ring opens), so
 * a cursor that this gateway did not issue, or issued for another tenant, is refused.
 */
export class CursorCodec {
  private readonly keys: Buffer[];

  constructor(secretKeys: { key: Buffer }[]) {
    this.keys = secretKeys.map(({ key }) =>
      Buffer.from(hkdfSync('sha256', key, '', 'cgw connectionChanges cursor', 32)),
    );
  }

  encode(position: ChangePosition): string {
    const body = Buffer.from(
      JSON.stringify([
        position.tenantId,
        position.lo.text,
        position.hi.text,
        position.seq.toString(),
      ]),
    ).toString('base64url');
    return `${body}.${this.tag(this.keys[0], body)}`;
  }

  /** The position, or null when the cursor is malformed, forged or of another tenant. */
  decode(cursor: string, tenantId: string): ChangePosition | null {
    const [body, tag, extra] = cursor.split('.');
    if (!body || !tag || extra !== undefined) return null;
    const given = Buffer.from(tag, 'base64url');
    const genuine = this.keys.some((key) => {
      const expected = Buffer.from(this.tag(key, body), 'base64url');
      return expected.length === given.length && timingSafeEqual(expected, given);
    });
    if (!genuine) return null;
    try {
      const value: unknown = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
      if (!Array.isArray(value) || value.length !== 4) return null;
      const [tenant, lo, hi, seq] = value;
      if (tenant !== tenantId || typeof lo !== 'string' || typeof hi !== 'string') return null;
      if (typeof seq !== 'string' || !/^\d{1,19}$/.test(seq)) return null;
      const loSnapshot = parseSnapshot(lo);
      const hiSnapshot = parseSnapshot(hi);
      if (!loSnapshot || !hiSnapshot) return null;
      return { tenantId, lo: loSnapshot, hi: hiSnapshot, seq: BigInt(seq) };
    } catch {
      return null;
    }
  }

  private tag(key: Buffer, body: string): string {
    return createHmac('sha256', key).update(body).digest().subarray(0, 16).toString('base64url');
  }
}
