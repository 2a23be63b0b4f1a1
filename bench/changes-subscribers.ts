/**
 * The change feed bench's subscribers (`bench/changes.ts` runs this file in a child process of
 * its own, so that its CPU time is measured apart from the load generator's and the gateway's).
 *
 * A real deployment's clients run elsewhere; here they share the machine's cores with the
 * gateway and PostgreSQL, so they are made as cheap as they can be while the bench still checks
 * every delivery: each subscriber is a raw TCP socket that speaks just enough WebSocket
 * (RFC 6455: the upgrade, masked client frames, the server's unmasked frames, ping → pong)
 * and `graphql-transport-ws` (connection_init, ack, subscribe) for one subscription. Nothing
 * is parsed as JSON: of each `next` message it keeps `resourceId@toVersion` (two native
 * `indexOf`s over the bytes) and when the chunk that completed the frame was read, on
 * `process.hrtime`'s clock (`CLOCK_MONOTONIC`, the same in every process of the machine, so
 * the delays against the load generator's timestamps are exact). Any other frame (an error, a
 * complete, a close) is kept whole and reported, and fails the bench.
 *
 * Protocol with the parent (IPC): it sends `{ url, key, subscriptions: [{ tenantId }] }`; this
 * answers `{ joined }` once every subscription is acknowledged and sent, and on `'report'`
 * answers `{ received, unexpected, cpuMs }`, `received[s]` being subscriber s's keys and times.
 */
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { pathToFileURL } from 'node:url';

export interface SubscribersTask {
  url: string;
  key: string;
  /** One entry per subscriber: the tenant it subscribes to. */
  tenants: string[];
  /** The subscription's text (`SUBSCRIBE` unless given); its `$t` is the tenant. */
  query?: string;
}

export interface SubscribersReport {
  /** Per subscriber: `resourceId@toVersion` of each change received, in order. */
  keys: string[][];
  /** Per subscriber: when each was read (ms on `process.hrtime`'s clock). */
  times: number[][];
  /** Frames that were neither the ack nor a change (errors, completes, closes). */
  unexpected: string[];
}

export const SUBSCRIBE = `subscription($t: ID!) {
  connectionChanges(tenantId: $t) { event { resourceId toVersion } }
}`;

/**
 * What a screen that shows the changes would ask (`bench/changes.ts --select full`): the
 * cursor to resume from, the event, and the connection as it is now (read once per change for
 * all its subscribers).
 */
export const SUBSCRIBE_FULL = `subscription($t: ID!) {
  connectionChanges(tenantId: $t) {
    cursor
    event { resourceType resourceId operation changedFields fromVersion toVersion createdAt }
    connection { ... on OesConnection { id name version updatedAt partner { id name } } }
  }
}`;

/** Milliseconds on the machine's monotonic clock (the same in every process). */
export const monotonicMs = () => Number(process.hrtime.bigint()) / 1e6;

const RESOURCE_ID = Buffer.from('"resourceId":"');
const TO_VERSION = Buffer.from('"toVersion":');
const ACK = Buffer.from('"connection_ack"');

/** A masked client frame (text, or pong with `opcode` 0xa). */
function clientFrame(payload: Buffer, opcode = 0x1): Buffer {
  const length = payload.length;
  const header = length < 126 ? 2 : 4;
  const frame = Buffer.allocUnsafe(header + 4 + length);
  frame[0] = 0x80 | opcode;
  if (length < 126) frame[1] = 0x80 | length;
  else {
    frame[1] = 0x80 | 126;
    frame.writeUInt16BE(length, 2);
  }
  const mask = randomBytes(4);
  mask.copy(frame, header);
  for (let i = 0; i < length; i++) frame[header + 4 + i] = payload[i] ^ mask[i & 3];
  return frame;
}

const text = (message: unknown) => clientFrame(Buffer.from(JSON.stringify(message)));

/**
 * Opens one subscriber; `joined` resolves once its subscribe message is sent (after the ack).
 * `keys`/`times` receive its changes.
 */
function subscriber(
  url: URL,
  key: string,
  tenantId: string,
  keys: string[],
  times: number[],
  unexpected: string[],
  query: string,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(url.port), url.hostname);
    socket.setNoDelay(true);
    let upgraded = false;
    let pending: Buffer | undefined;
    socket.on('error', reject);
    socket.once('connect', () => {
      socket.write(
        `GET ${url.pathname} HTTP/1.1\r\nHost: ${url.host}\r\nUpgrade: websocket\r\n` +
          `Connection: Upgrade\r\nSec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\n` +
          'Sec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: graphql-transport-ws\r\n\r\n',
      );
    });
    socket.on('data', (chunk: Buffer) => {
      const at = monotonicMs();
      let buffer = pending ? Buffer.concat([pending, chunk]) : chunk;
      pending = undefined;
      if (!upgraded) {
        const end = buffer.indexOf('\r\n\r\n');
        if (end < 0) return void (pending = buffer);
        const head = buffer.toString('latin1', 0, end);
        if (!head.startsWith('HTTP/1.1 101')) return reject(new Error(`upgrade refused: ${head}`));
        upgraded = true;
        socket.write(
          text({ type: 'connection_init', payload: { authorization: `Bearer ${key}` } }),
        );
        buffer = buffer.subarray(end + 4);
      }
      let offset = 0;
      while (buffer.length - offset >= 2) {
        const opcode = buffer[offset] & 0x0f;
        let length = buffer[offset + 1] & 0x7f;
        let start = offset + 2;
        if (length === 126) {
          if (buffer.length < start + 2) break;
          length = buffer.readUInt16BE(start);
          start += 2;
        } else if (length === 127) {
          if (buffer.length < start + 8) break;
          length = Number(buffer.readBigUInt64BE(start));
          start += 8;
        }
        const end = start + length;
        if (end > buffer.length) break;
        offset = end;
        if (opcode === 0x1) {
          const id = buffer.indexOf(RESOURCE_ID, start);
          if (id >= 0 && id < end) {
            const idStart = id + RESOURCE_ID.length;
            const idEnd = buffer.indexOf(0x22, idStart);
            let v = buffer.indexOf(TO_VERSION, idEnd) + TO_VERSION.length;
            let version = 0;
            for (let c = buffer[v]; c >= 0x30 && c <= 0x39; c = buffer[++v])
              version = version * 10 + c - 0x30;
            keys.push(`${buffer.toString('latin1', idStart, idEnd)}@${version}`);
            times.push(at);
          } else if (buffer.indexOf(ACK, start) >= 0 && buffer.indexOf(ACK, start) < end) {
            socket.write(
              text({
                id: '1',
                type: 'subscribe',
                payload: { query, variables: { t: tenantId } },
              }),
            );
            resolve();
          } else unexpected.push(buffer.toString('utf8', start, end));
        } else if (opcode === 0x9) socket.write(clientFrame(buffer.subarray(start, end), 0xa));
        else if (opcode === 0x8)
          unexpected.push(
            `close ${length >= 2 ? buffer.readUInt16BE(start) : ''} ${buffer.toString('utf8', start + 2, end)}`,
          );
        else if (opcode !== 0xa) unexpected.push(`opcode ${opcode}`);
      }
      if (offset < buffer.length) pending = Buffer.from(buffer.subarray(offset));
    });
  });
}

if (process.send && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.once('message', async (task: SubscribersTask) => {
    const url = new URL(task.url);
    const keys = task.tenants.map((): string[] => []);
    const times = task.tenants.map((): number[] => []);
    const unexpected: string[] = [];
    await Promise.all(
      task.tenants.map((tenantId, s) =>
        subscriber(url, task.key, tenantId, keys[s], times[s], unexpected, task.query ?? SUBSCRIBE),
      ),
    );
    process.send!({ joined: true });
    process.once('message', () => {
      const report: SubscribersReport = { keys, times, unexpected };
      process.send!(report, () => process.exit(0));
    });
  });
}
