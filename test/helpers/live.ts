import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import WebSocket from 'ws';
import { createHttpServer } from '../../src/http.js';
import { createGateway, type Gateway, type GatewayOptions } from '../../src/server.js';
import {
  getHarness,
  TEST_JWT_SECRET,
  TEST_SECRET_KEYS,
  testExecutor,
  testSchema,
} from './harness.js';
import { isolatedGateway, onServer } from './server.js';

/** The selection every live test subscribes with. */
export const CONNECTION_CHANGES = /* GraphQL */ `
  subscription Changes($tenantId: ID!, $after: String) {
    connectionChanges(tenantId: $tenantId, after: $after) {
      cursor
      event {
        id
        tenantId
        resourceType
        resourceId
        operation
        changedFields
        fromVersion
        toVersion
        actorId
      }
      connection {
        __typename
        ... on OesConnection {
          id
          name
          active
          version
          partner {
            name
          }
        }
        ... on DatabaseConnection {
          id
          name
          port
          version
        }
        ... on NexusConnection {
          id
          version
        }
        ... on OrgConnection {
          id
          version
        }
        ... on ConnectorConnection {
          id
          version
        }
      }
    }
  }
`;

/**
 * Serves `gateway` over HTTP + WebSocket on a free port; returns its `ws://` URL. Closing it
 * drains the gateway's WebSocket server too, except for the worker's shared harness gateway,
 * which the files that run after this one still use: there only this HTTP server closes.
 */
export async function serve(gateway: Gateway) {
  const http = createHttpServer({
    gateway,
    logger: pino({ level: 'silent' }),
    ping: async () => true,
  });
  await new Promise<void>((resolve) => http.server.listen(0, '127.0.0.1', resolve));
  const { port } = http.server.address() as AddressInfo;
  return {
    url: `ws://127.0.0.1:${port}/graphql`,
    http,
    close: async () => {
      if (gateway !== (await getHarness()).gateway)
        return http.drain({ announceMs: 0, graceMs: 1_000 });
      http.server.closeAllConnections();
      await new Promise<void>((resolve) => http.server.close(() => resolve()));
    },
  };
}

/**
 * A second gateway on the same database: on the server, its own pool and its own listening
 * connection (another process would have the same); on PGlite, a second gateway on the one
 * embedded database. The caller closes it.
 */
export async function secondGateway(
  options: Partial<GatewayOptions> = {},
  applicationName?: string,
) {
  if (onServer) {
    const other = await isolatedGateway({ applicationName }, options);
    return { gateway: other.gateway, close: other.close };
  }
  const { database } = await getHarness();
  const gateway = await createGateway({
    schema: await testSchema(),
    executor: testExecutor,
    db: database.db,
    logger: pino({ level: 'silent' }),
    production: false,
    secretKeys: TEST_SECRET_KEYS,
    jwtSecret: TEST_JWT_SECRET,
    listen: database.listen,
    ...options,
  });
  return { gateway, close: () => gateway.apollo.stop() };
}

export interface Received {
  cursor: string;
  event: Record<string, any>;
  connection: Record<string, any> | null;
}

/** One subscription of a raw `graphql-transport-ws` client. */
export interface LiveSubscription {
  received: Received[];
  /** The `next` messages as they arrived, text unparsed. */
  texts: string[];
  errors: { message: string; extensions?: Record<string, any> }[];
  completed: boolean;
  /** Resolves once `count` changes arrived (rejects after `timeoutMs`). */
  waitFor(count: number, timeoutMs?: number): Promise<Received[]>;
  /** Resolves when the operation completes or errs. */
  ended: Promise<void>;
}

export interface LiveClient {
  socket: WebSocket;
  closed: Promise<{ code: number; reason: string }>;
  /** Subscribes with `query` (default {@link CONNECTION_CHANGES}). */
  subscribe(variables: { tenantId: string; after?: string }, query?: string): LiveSubscription;
  close(): void;
}

/** Opens a socket with `graphql-transport-ws`, sends `connection_init`, waits for the ack. */
export async function connectLive(url: string, token?: string): Promise<LiveClient> {
  const socket = new WebSocket(url, 'graphql-transport-ws');
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    socket.on('close', (code, reason) => resolve({ code, reason: String(reason) })),
  );
  const subscriptions = new Map<string, LiveSubscription & { notify(): void; end(): void }>();
  socket.on('message', (data) => {
    const text = String(data);
    const message = JSON.parse(text);
    const sub = subscriptions.get(message.id);
    if (!sub) return;
    if (message.type === 'next') {
      sub.texts.push(text);
      if (message.payload.errors) sub.errors.push(...message.payload.errors);
      if (message.payload.data) sub.received.push(message.payload.data.connectionChanges);
      sub.notify();
    } else if (message.type === 'error') {
      sub.errors.push(...message.payload);
      sub.end();
    } else if (message.type === 'complete') {
      sub.completed = true;
      sub.end();
    }
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.once('open', () => {
      socket.send(
        JSON.stringify({
          type: 'connection_init',
          payload: token ? { authorization: `Bearer ${token}` } : {},
        }),
      );
    });
    socket.on('message', (data) => {
      if (JSON.parse(String(data)).type === 'connection_ack') resolve();
    });
    void closed.then(({ code, reason }) => reject(new Error(`closed ${code} ${reason}`)));
  });
  let next = 0;
  return {
    socket,
    closed,
    close: () => socket.close(1000),
    subscribe(variables, query = CONNECTION_CHANGES) {
      const id = String(++next);
      let listeners: (() => void)[] = [];
      let endResolve!: () => void;
      const ended = new Promise<void>((resolve) => (endResolve = resolve));
      const sub = {
        received: [] as Received[],
        texts: [] as string[],
        errors: [] as LiveSubscription['errors'],
        completed: false,
        ended,
        notify: () => {
          for (const l of listeners) l();
        },
        end: () => {
          endResolve();
          for (const l of listeners) l();
        },
        waitFor(count: number, timeoutMs = 10_000) {
          return new Promise<Received[]>((resolve, reject) => {
            const check = () => {
              if (sub.received.length >= count) {
                listeners = listeners.filter((l) => l !== check);
                clearTimeout(timer);
                resolve(sub.received);
              }
            };
            const timer = setTimeout(() => {
              listeners = listeners.filter((l) => l !== check);
              reject(
                new Error(
                  `got ${sub.received.length} of ${count} changes; errors ${JSON.stringify(sub.errors)}`,
                ),
              );
            }, timeoutMs);
            listeners.push(check);
            check();
          });
        },
      };
      subscriptions.set(id, sub);
      socket.send(
        JSON.stringify({
          id,
          type: 'subscribe',
          payload: { query, variables },
        }),
      );
      return sub;
    },
  };
}

/** Waits until `gateway`'s feed has `count` subscriptions that joined (receive changes). */
export async function waitForSubscribers(gateway: Gateway, count: number, timeoutMs = 10_000) {
  const start = Date.now();
  while (gateway.changes.joinedCount < count) {
    if (Date.now() - start > timeoutMs)
      throw new Error(`only ${gateway.changes.joinedCount} of ${count} subscribers joined`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** An audit event to write by hand (`insertAuditEvent`), as the mutation pipeline writes one. */
export function auditRow(tenantId: string, resourceId: string = randomUUID(), toVersion = 2) {
  return {
    id: randomUUID(),
    tenant_id: tenantId,
    actor_id: 'test',
    actor_kind: 'api_key',
    resource_type: 'DatabaseConnection',
    resource_id: resourceId,
    operation: 'patchDatabaseConnection',
    changed_fields: ['name'],
    from_version: toVersion - 1,
    to_version: toVersion,
    request_id: randomUUID(),
  };
}

/**
 * A {@link secondGateway} served over HTTP + WebSocket, with clients that `close` closes too:
 * for a test file whose subscribers are on a gateway of their own.
 */
export async function servedGateway(options: Partial<GatewayOptions> = {}) {
  const other = await secondGateway(options);
  const served = await serve(other.gateway);
  const clients: LiveClient[] = [];
  return {
    gateway: other.gateway,
    http: served.http,
    /** A client of this gateway (closed by `close`). */
    async connect(token?: string) {
      const client = await connectLive(served.url, token);
      clients.push(client);
      return client;
    },
    async close() {
      for (const c of clients) c.close();
      await served.close();
      await other.close();
    },
  };
}
