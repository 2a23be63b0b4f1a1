import { connect, type AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttpServer, type HttpServer } from '../../src/http.js';
import { getHarness } from '../helpers/harness.js';
import { oesWorld } from '../helpers/oes.js';

let http: HttpServer;
let base: string;
let databaseUp = true;

beforeAll(async () => {
  const { gateway, database } = await getHarness();
  http = createHttpServer({
    gateway,
    logger: (await import('pino')).pino({ level: 'silent' }),
    ping: async () => databaseUp && (await database.ping()),
  });
  await new Promise<void>((resolve) => http.server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(http.server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => http.server.close(() => resolve())));

const post = (body: string, headers: Record<string, string> = {}) =>
  fetch(`${base}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body,
  });

describe('HTTP surface', () => {
  it('/healthz is 200 and /readyz follows the database', async () => {
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    expect((await fetch(`${base}/readyz`)).status).toBe(200);
    databaseUp = false;
    try {
      const down = await fetch(`${base}/readyz`);
      expect(down.status).toBe(503);
    } finally {
      databaseUp = true;
    }
  });

  it('serves a query with the bearer token and a request id header', async () => {
    const w = await oesWorld();
    const res = await post(JSON.stringify({ query: '{ viewer { id } }' }), {
      authorization: `Bearer ${w.viewer}`,
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    expect((await res.json()).data.viewer.id).toMatch(/^p-/);
  });

  it('refuses a body over 1 MiB with 413, and accepts one just under', async () => {
    const padding = (n: number) =>
      JSON.stringify({ query: '{ viewer { id } }', extensions: { pad: 'x'.repeat(n) } });
    const under = padding(1024 * 1024 - 100);
    expect(Buffer.byteLength(under)).toBeLessThanOrEqual(1024 * 1024);
    expect((await post(under)).status).toBe(200);
    const over = await post(padding(1024 * 1024));
    expect(over.status).toBe(413);
  });

  it('answers malformed JSON with 400 without quoting the body', async () => {
    const res = await post('{"query": "x", "password": "hunter2-canary" oops');
    expect(res.status).toBe(400);
    const text = await res.text();
    expect(text).toContain('BAD_REQUEST');
    expect(text).not.toContain('hunter2-canary');
  });

  it('refuses a mutation over GET, and a simple (CSRF-able) request', async () => {
    const w = await oesWorld();
    const mutation = `mutation { updateOesConnection(enterpriseId: "${w.tenantId}", connectionId: "${w.connectionId}", input: { active: false }) { __typename } }`;
    const get = await fetch(`${base}/graphql?query=${encodeURIComponent(mutation)}`, {
      headers: { authorization: `Bearer ${w.admin}`, 'apollo-require-preflight': 'true' },
    });
    expect(get.status).toBe(405);
    const csrf = await fetch(`${base}/graphql?query=${encodeURIComponent('{ viewer { id } }')}`);
    expect(csrf.status).toBe(400);
    const batch = await post(
      JSON.stringify([{ query: '{ viewer { id } }' }, { query: '{ viewer { id } }' }]),
    );
    expect(batch.status).toBe(400);
  });

  it('a request target that is no URL is a 400, also as a WebSocket upgrade', async () => {
    const { port } = http.server.address() as AddressInfo;
    /** Sends raw request text; resolves with what came back before the socket closed. */
    const raw = (text: string) =>
      new Promise<string>((resolve, reject) => {
        const socket = connect(port, '127.0.0.1', () => socket.end(text));
        let answer = '';
        socket.on('data', (chunk) => (answer += String(chunk)));
        socket.on('close', () => resolve(answer));
        socket.on('error', reject);
      });
    const upgrade = await raw(
      'GET // HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n' +
        'Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n',
    );
    expect(upgrade).toBe(''); // refused: the socket is closed, the process lives on
    const plain = await raw('GET //@ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    expect(plain).toMatch(/^HTTP\/1\.1 400 /);
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
  });

  it('unknown paths are 404', async () => {
    expect((await fetch(`${base}/nope`)).status).toBe(404);
  });
});

describe('introspection outside production', () => {
  it('answers the full introspection query (Sandbox needs it)', async () => {
    const { getIntrospectionQuery } = await import('graphql');
    const res = await post(JSON.stringify({ query: getIntrospectionQuery() }));
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body.errors).toBeUndefined();
    const names = body.data.__schema.types.map((t: { name: string }) => t.name);
    expect(names).toEqual(
      expect.arrayContaining([
        'OesConnection',
        'ConnectorConnection',
        'UpdateOesConnectionResult',
        'Error',
      ]),
    );
  });
});
