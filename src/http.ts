import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import { HeaderMap } from '@apollo/server';
import { CSRF_REFUSAL } from './csrf.js';
import type { Gateway } from './server.js';
import { LIMITS } from './limits.js';
import type { Logger } from './logger.js';

export interface HttpOptions {
  gateway: Gateway;
  logger: Logger;
  /** Whether the database answers; `/readyz` reports it. */
  ping(): Promise<boolean>;
}

export interface HttpServer {
  server: Server;
  /**
   * Stops gracefully: `/readyz` turns 503 at once; for `announceMs` the server still accepts
   * requests (so a load balancer sees the 503 and stops routing here); then it closes the
   * WebSockets (1001, ending their subscriptions), stops
   * accepting, lets in-flight requests finish for up to `graceMs`, and closes.
   */
  drain(options: { announceMs: number; graceMs: number }): Promise<void>;
}

/**
 * The HTTP side, on bare `node:http`: `/graphql` into Apollo's `executeHTTPGraphQLRequest`,
 * `/healthz` (the process is up), `/readyz` (the database answers and we are not draining).
 * Bodies over 1 MiB are refused before they are parsed; a body that is not JSON gets a 400
 * that does not quote it.
 */
export function createHttpServer(options: HttpOptions): HttpServer {
  const { gateway, logger } = options;
  let draining = false;
  // Handlers still running: a client that hung up does not end its handler, and the pool
  // must outlive every handler that may still use it.
  let inFlight = 0;
  let idle: (() => void) | undefined;

  const server = createServer(async (req, res) => {
    inFlight++;
    try {
      await handle(req, res);
    } finally {
      if (--inFlight === 0) idle?.();
    }
  });

  // GraphQL over WebSocket shares the port and the path.
  server.on('upgrade', (req, socket, head) => {
    if (targetOf(req)?.pathname !== '/graphql' || draining) {
      socket.destroy();
      return;
    }
    gateway.live.handleUpgrade(req, socket, head);
  });

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const requestId = randomUUID();
    res.setHeader('x-request-id', requestId);
    try {
      const url = targetOf(req);
      if (!url) return sendJson(res, 400, { error: 'malformed request target' });
      if (url.pathname === '/healthz') return sendJson(res, 200, { status: 'ok' });
      if (url.pathname === '/readyz') {
        const ready = !draining && (await options.ping());
        return sendJson(res, ready ? 200 : 503, {
          status: ready ? 'ready' : draining ? 'draining' : 'database unavailable',
        });
      }
      if (url.pathname !== '/graphql') return sendJson(res, 404, { error: 'not found' });
      await handleGraphQL(req, res, url, requestId);
    } catch (error) {
      logger.error({ err: error, requestId }, 'http handler failed');
      if (!res.headersSent)
        sendJson(res, 500, {
          errors: [
            {
              message: 'Internal server error',
              extensions: { code: 'INTERNAL_SERVER_ERROR', requestId },
            },
          ],
        });
      else res.end();
    }
  }

  async function handleGraphQL(
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
    requestId: string,
  ) {
    const headers = new HeaderMap();
    for (const [key, value] of Object.entries(req.headers)) {
      if (value !== undefined) headers.set(key, Array.isArray(value) ? value.join(', ') : value);
    }
    let body: unknown = undefined;
    if (req.method === 'POST') {
      const raw = await readBody(req, LIMITS.maxBodyBytes);
      if (raw === null)
        return sendGraphQLError(
          res,
          413,
          'Request body is larger than 1 MiB.',
          'PAYLOAD_TOO_LARGE',
          requestId,
        );
      if ((headers.get('content-type') ?? '').includes('application/json')) {
        try {
          body = raw.length === 0 ? undefined : JSON.parse(raw.toString('utf8'));
        } catch {
          return sendGraphQLError(
            res,
            400,
            'Request body is not valid JSON.',
            'BAD_REQUEST',
            requestId,
          );
        }
      } else {
        body = raw.toString('utf8');
      }
    }
    const response = await gateway.executeHTTPGraphQLRequest({
      httpGraphQLRequest: {
        method: (req.method ?? 'GET').toUpperCase(),
        headers,
        search: url.search,
        body,
      },
      context: () => gateway.contextFor({ authorization: req.headers.authorization, requestId }),
    });
    if (response === 'forged')
      return sendGraphQLError(res, 400, CSRF_REFUSAL, 'BAD_REQUEST', requestId);
    for (const [key, value] of response.headers) res.setHeader(key, value);
    res.statusCode = response.status ?? 200;
    if (response.body.kind === 'complete') {
      res.end(response.body.string);
    } else {
      for await (const chunk of response.body.asyncIterator) res.write(chunk);
      res.end();
    }
  }

  return {
    server,
    async drain({ announceMs, graceMs }) {
      draining = true;
      if (announceMs > 0) await new Promise((resolve) => setTimeout(resolve, announceMs));
      // WebSockets first (close code 1001): an open one would keep `server.close` waiting.
      await gateway.live.close();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const handlersDone = new Promise<void>((resolve) => {
        idle = resolve;
        if (inFlight === 0) resolve();
      });
      const timer = setTimeout(() => {
        server.closeAllConnections();
        idle?.();
      }, graceMs);
      await Promise.all([closed, handlersDone]);
      clearTimeout(timer);
    },
  };
}

function sendJson(res: ServerResponse, status: number, body: unknown) {
  res.statusCode = status;
  res.setHeader('content-type', 'application/json; charset=utf-8');
  res.end(JSON.stringify(body));
}

function sendGraphQLError(
  res: ServerResponse,
  status: number,
  message: string,
  code: string,
  requestId: string,
) {
  sendJson(res, status, { errors: [{ message, extensions: { code, requestId } }] });
}

/** Reads the body, or returns null (and stops reading) once it passes `limit` bytes. */
function readBody(req: IncomingMessage, limit: number): Promise<Buffer | null> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) {
    req.resume();
    return Promise.resolve(null);
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (chunk: Buffer) => {
      if (tooLarge) return;
      size += chunk.length;
      if (size > limit) {
        tooLarge = true;
        chunks.length = 0;
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(tooLarge ? null : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/**
 * The request target as a URL, or undefined when it is not one (`//`, `//@`: the URL parser
 * throws on them, and in the `upgrade` listener that would end the process).
 */
function targetOf(req: IncomingMessage): URL | undefined {
  try {
    return new URL(req.url ?? '/', 'http://localhost');
  } catch {
    return undefined;
  }
}
