import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { createHttpServer } from '../../src/http.js';
import { SANDBOX_DOCUMENT, SANDBOX_HEADERS } from '../../src/sandbox.js';
import { createGateway } from '../../src/server.js';
import { getHarness, TEST_SECRET_KEYS, testSchema } from '../helpers/harness.js';
import { spawnGateway } from '../helpers/server.js';

/** GETs `/graphql` as a browser does, from an HTTP server around a gateway of the harness. */
async function landingPage(production: boolean): Promise<{ status: number; body: string }> {
  const { database } = await getHarness();
  const gateway = await createGateway({
    schema: await testSchema(),
    db: database.db,
    logger: pino({ level: 'silent' }),
    production,
    secretKeys: TEST_SECRET_KEYS,
  });
  const http = createHttpServer({
    gateway,
    logger: pino({ level: 'silent' }),
    ping: async () => true,
  });
  await new Promise<void>((resolve) => http.server.listen(0, '127.0.0.1', resolve));
  try {
    const { port } = http.server.address() as AddressInfo;
    const res = await fetch(`http://127.0.0.1:${port}/graphql`, {
      headers: { accept: 'text/html' },
    });
    return { status: res.status, body: await res.text() };
  } finally {
    await new Promise<void>((resolve) => http.server.close(() => resolve()));
    await gateway.apollo.stop();
  }
}

describe('Apollo Sandbox at /graphql', () => {
  it('outside production opens with the example operation and the demo admin key', async () => {
    const page = await landingPage(false);
    expect(page.status).toBe(200);
    expect(page.body).toContain('EmbeddedSandbox');
    // The page carries its initial state as JSON: the document and the header, verbatim.
    expect(page.body).toContain(JSON.stringify(SANDBOX_DOCUMENT).slice(1, -1));
    expect(page.body).toContain('"Authorization":"Bearer cgw_demo_acme_admin"');
  });

  it('in production serves no landing page', async () => {
    const page = await landingPage(true);
    expect(page.body).not.toContain('EmbeddedSandbox');
    expect(page.body).not.toContain('cgw_demo_acme_admin');
  });

  // `npm start` with no configuration is the embedded database: run once, in the PGlite pass.
  it.skipIf(process.env.TEST_DATABASE_URL)(
    'a newcomer who runs npm start and presses Run gets data',
    async () => {
      const dataDir = mkdtempSync(path.join(tmpdir(), 'cgw-sandbox-'));
      // A fresh embedded database is created, migrated and loaded first: slow on a busy machine.
      const gw = await spawnGateway({ DATA_DIR: dataDir }, 150_000).catch((error) => {
        rmSync(dataDir, { recursive: true, force: true });
        throw error;
      });
      try {
        const res = await fetch(`${gw.base}/graphql`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...SANDBOX_HEADERS },
          body: JSON.stringify({ query: SANDBOX_DOCUMENT }),
        });
        expect(res.status).toBe(200);
        const body = (await res.json()) as { data?: any; errors?: unknown[] };
        expect(body.errors).toBeUndefined();
        expect(body.data.viewer.memberships).toEqual([
          { tenantId: 'acme', permissions: expect.arrayContaining(['connections:read']) },
        ]);
        expect(body.data.oesConnections.items.length).toBeGreaterThanOrEqual(2);
        expect(body.data.databaseConnections.items.length).toBeGreaterThanOrEqual(3);
      } finally {
        gw.proc.kill('SIGTERM');
        await gw.exited;
        rmSync(dataDir, { recursive: true, force: true });
      }
    },
    180_000,
  );
});
