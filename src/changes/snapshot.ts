/**
 * A PostgreSQL snapshot (`pg_snapshot`, text `xmin:xmax:xip1,xip2,…`): which transactions had
 * committed when it was taken. Transaction ids are 64-bit (`xid8`), hence `bigint`.
 */
export interface Snapshot {
  text: string;
  xmin: bigint;
  xmax: bigint;
  xip: Set<bigint>;
}

const SNAPSHOT = /^(\d{1,20}):(\d{1,20}):((?:\d{1,20}(?:,\d{1,20})*)?)$/;

/** Parses `pg_snapshot` text; null when it is not one. */
export function parseSnapshot(text: string): Snapshot | null {
  const match = SNAPSHOT.exec(text);
  if (!match) return null;
  const xmin = BigInt(match[1]);
  const xmax = BigInt(match[2]);
  const xip = new Set(match[3] ? match[3].split(',').map((x) => BigInt(x)) : []);
  if (xmin > xmax) return null;
  for (const x of xip) if (x < xmin || x >= xmax) return null;
  return { text, xmin, xmax, xip };
}
