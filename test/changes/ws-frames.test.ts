import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import * as wsModule from 'ws';
import { WebSocket, WebSocketServer } from 'ws';
import { coalesceSends, textFrame } from '../../src/live.js';

/**
 * `coalesceSends` frames a subscriber's messages itself and writes them to the socket, instead
 * of `ws`'s sender (`src/live.ts`). That leans on `ws`'s behaviour, not its docs: its frames for
 * a server's text message without compression, and its writing its own frames (a close) to the
 * socket at once, in call order. These fail if `ws` changes either.
 */
type Frame = (data: string, options: object) => (Buffer | string)[];
const wsFrame = (text: string): Buffer => {
  const { Sender } = wsModule as unknown as { Sender: { frame: Frame } };
  const parts = Sender.frame(text, {
    fin: true,
    opcode: 1,
    mask: false,
    readOnly: false,
    rsv1: false,
  });
  return Buffer.concat(parts.map((part) => Buffer.from(part)));
};

/** Messages around every length boundary of the frame header, and text that is not ASCII. */
const TEXTS = [
  '',
  '{"id":"1","type":"next","payload":{}}',
  'x'.repeat(125),
  'x'.repeat(126),
  'é'.repeat(70),
  'x'.repeat(65_535),
  'x'.repeat(65_536),
  `${'€'.repeat(30_000)}🙂`,
];

let server: Server | undefined;
afterEach(async () => {
  if (server) await new Promise((resolve) => server!.close(resolve));
  server = undefined;
});

/** A server whose sockets go through `coalesceSends`; `onOpen` runs for each. */
async function serve(
  onOpen: (ws: WebSocket, written: Buffer[]) => void,
  options: { perMessageDeflate?: boolean } = {},
): Promise<string> {
  const wss = new WebSocketServer({ noServer: true, ...options });
  server = createServer();
  server.on('upgrade', (request, socket: Duplex, head) => {
    wss.handleUpgrade(request, socket, head, (ws) => {
      const written: Buffer[] = [];
      const write = socket.write.bind(socket) as (chunk: unknown, ...rest: unknown[]) => boolean;
      (socket as { write: typeof write }).write = (chunk, ...rest) => {
        written.push(Buffer.from(chunk as Buffer));
        return write(chunk, ...rest);
      };
      coalesceSends(ws, socket, (data) => data);
      onOpen(ws, written);
    });
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return `ws://127.0.0.1:${(server!.address() as AddressInfo).port}`;
}

/** What a `ws` client receives until the socket closes, and the close code. */
function receive(url: string, options: { perMessageDeflate?: boolean } = {}) {
  const client = new WebSocket(url, options);
  const messages: string[] = [];
  client.on('message', (data, isBinary) => {
    expect(isBinary).toBe(false);
    messages.push(String(data));
  });
  return new Promise<{ messages: string[]; code: number }>((resolve, reject) => {
    client.on('error', reject);
    client.on('close', (code) => resolve({ messages, code }));
  });
}

describe('a subscriber’s messages framed by the gateway', () => {
  it('are the bytes ws writes for a text message from a server', () => {
    for (const text of TEXTS) expect(textFrame(text).equals(wsFrame(text))).toBe(true);
  });

  it('arrive whole, in order, before a close sent in the same turn', async () => {
    const small = TEXTS.slice(0, 5);
    let written: Buffer[] = [];
    const url = await serve((ws, w) => {
      written = w;
      for (const text of small) ws.send(text);
      ws.close(4008, 'too slow');
    });
    const { messages, code } = await receive(url);
    expect(messages).toEqual(small);
    expect(code).toBe(4008);
    // The fast path was taken: each message left as one frame written by the gateway, then
    // ws's close frame.
    expect(written.slice(0, small.length)).toEqual(small.map(textFrame));
    expect(Buffer.concat(written.slice(small.length))[0]).toBe(0x88);
  });

  it('keep their order when the socket’s buffer is full and ws sends them', async () => {
    // Past 64 KB unsent the messages go through ws.send (back-pressure), after those framed here.
    const url = await serve((ws) => {
      for (const text of [...TEXTS, ...TEXTS]) ws.send(text);
      ws.close(4008, 'too slow');
    });
    const { messages, code } = await receive(url);
    expect(messages).toEqual([...TEXTS, ...TEXTS]);
    expect(code).toBe(4008);
  });

  it('go through ws when compression was negotiated', async () => {
    let written: Buffer[] = [];
    const url = await serve(
      (ws, w) => {
        written = w;
        ws.send('{"id":"1","type":"next","payload":{}}');
        ws.close(1000);
      },
      { perMessageDeflate: true },
    );
    const { messages } = await receive(url, { perMessageDeflate: true });
    expect(messages).toEqual(['{"id":"1","type":"next","payload":{}}']);
    const plain = textFrame('{"id":"1","type":"next","payload":{}}');
    expect(written.some((chunk) => chunk.equals(plain))).toBe(false);
  });
});
