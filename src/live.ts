import type { Principal } from './auth/principal.js';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import {
  createSourceEventStream,
  execute,
  getOperationAST,
  GraphQLError,
  parse,
  specifiedRules,
  validate,
  type DocumentNode,
  type ExecutionArgs,
  type ExecutionResult,
  type GraphQLSchema,
} from 'graphql';
import { CloseCode } from 'graphql-ws';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer, type WebSocket } from 'ws';
import type { ChangeFeed } from './changes/feed.js';
import { attachLiveSession, type LiveSession } from './changes/session.js';
import { createSharedJson } from './changes/shared-json.js';
import type { GatewayContext } from './context.js';
import { classifyError, formatGatewayError, variablesError } from './errors.js';
import { costError, LIMITS, limitRules, operationCost } from './limits.js';
import type { Logger } from './logger.js';

export interface LiveServerOptions {
  schema: GraphQLSchema;
  feed: ChangeFeed;
  contextFor(request: { authorization?: string; requestId?: string }): Promise<GatewayContext>;
  logger: Logger;
  production: boolean;
  /** How often an open socket's credentials are checked again (revoked key, expired JWT). */
  credentialsRecheckMs: number;
  /** Largest WebSocket message accepted (the HTTP body cap). */
  maxPayloadBytes: number;
}

export interface LiveServer {
  /** Takes over an HTTP upgrade request for `/graphql`. */
  handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void;
  /** Open sockets. */
  readonly socketCount: number;
  /** `next` messages sent with a shared result's JSON written once (`createSharedJson`). */
  readonly sharedMessageCount: number;
  /**
   * Closes every socket with 1001 (going away), ending their subscriptions, and stops the
   * change feed. Safe to call more than once.
   */
  close(): Promise<void>;
}

/** Close code when a socket's credentials stop being valid. */
export const CLOSE_CREDENTIALS_INVALID = CloseCode.Forbidden;

type ConnectionParams = { authorization?: unknown } | undefined;
type Extra = { recheck?: NodeJS.Timeout };

/**
 * GraphQL over WebSocket (`graphql-transport-ws`, the `graphql-ws` library on `ws`) at the
 * HTTP server's `/graphql`, for subscriptions only. The credentials come from the
 * `connection_init` payload (`{ authorization: "Bearer …" }`) and go through the same context
 * factory, API keys and JWTs as HTTP; a socket that presented valid credentials is checked
 * again every `credentialsRecheckMs` and closed (4403) once they stop being valid. Operations
 * are parsed and validated with the HTTP side's limits and cost bound; errors are masked and
 * redacted by the same `formatGatewayError`; graphql-js's `subscribe` runs them.
 */
export function createLiveServer(options: LiveServerOptions): LiveServer {
  const { schema, logger, production } = options;
  const wss = new WebSocketServer({ noServer: true, maxPayload: options.maxPayloadBytes });
  const validationRules = [...specifiedRules, ...limitRules()];

  const format = (error: GraphQLError, requestId: string) => {
    if (classifyError(error) !== 'client')
      logger.error({ err: error.originalError ?? error, requestId }, 'subscription failed');
    const formatted = formatGatewayError(error.toJSON(), error, production);
    return { ...formatted, extensions: { ...formatted.extensions, requestId } };
  };
  const requestIds = new WeakMap<object, string>();
  const requestIdOf = (contextValue: unknown): string =>
    (typeof contextValue === 'object' && contextValue !== null
      ? requestIds.get(contextValue)
      : undefined) ?? randomUUID();
  const json = createSharedJson();

  const server = useServer<ConnectionParams, Extra>(
    {
      onConnect: async (ctx) => {
        const authorization = authorizationOf(ctx.connectionParams);
        if (!authorization) return true;
        const caller = await (await options.contextFor({ authorization })).principal();
        if (!caller) return true; // each subscription then answers UNAUTHENTICATED
        const socket = ctx.extra.socket;
        const rights = rightsOf(caller);
        ctx.extra.recheck = setInterval(() => {
          void options
            .contextFor({ authorization })
            .then((c) => c.principal())
            .then(
              (principal) => {
                if (principal === null)
                  socket.close(CLOSE_CREDENTIALS_INVALID, 'credentials revoked or expired');
                // The socket's subscriptions were authorized with the rights it connected with:
                // when they change, the client reconnects (and resumes with `after`) under the
                // new ones rather than keep receiving what it may no longer read.
                else if (rightsOf(principal) !== rights)
                  socket.close(CLOSE_CREDENTIALS_INVALID, 'credentials changed: reconnect');
              },
              // The database is away: keep the socket, check again later.
              (error: unknown) => logger.warn({ err: error }, 'credential recheck failed'),
            );
        }, options.credentialsRecheckMs);
        ctx.extra.recheck.unref();
        return true;
      },
      onClose: (ctx) => clearInterval(ctx.extra.recheck),
      subscribe: async (args) => {
        const source = await createSourceEventStream(args);
        if (!(Symbol.asyncIterator in source)) return source;
        const group = executionGroups.get(args.contextValue as object);
        return mapEvents(source[Symbol.asyncIterator](), (event) =>
          executeShared(args, event, group, json.share),
        );
      },
      onSubscribe: async (ctx, _id, payload) => {
        const requestId = randomUUID();
        let document: DocumentNode;
        try {
          document = parse(payload.query, { maxTokens: LIMITS.maxTokens });
        } catch (error) {
          return [error as GraphQLError];
        }
        const errors = validate(schema, document, validationRules);
        if (errors.length > 0) return errors;
        const operation = getOperationAST(document, payload.operationName);
        if (!operation)
          return [
            new GraphQLError('Unable to identify the operation.', {
              extensions: { code: 'BAD_REQUEST' },
            }),
          ];
        if (operation.operation !== 'subscription')
          return [
            new GraphQLError(
              'Only subscriptions are served over WebSocket; send queries and mutations over HTTP.',
              { extensions: { code: 'BAD_REQUEST' } },
            ),
          ];
        const variables = payload.variables ?? undefined;
        const invalid = variablesError(schema, operation, variables);
        if (invalid) return [invalid];
        const cost = operationCost(schema, document, variables, payload.operationName ?? undefined);
        if (cost > LIMITS.maxCost) return [costError(cost)];
        const socket: WebSocket = ctx.extra.socket;
        const session: LiveSession = {
          feed: options.feed,
          close: (code, reason) => socket.close(code, reason),
        };
        const contextValue = attachLiveSession(
          await options.contextFor({
            authorization: authorizationOf(ctx.connectionParams),
            requestId,
          }),
          session,
        );
        requestIds.set(contextValue, requestId);
        const caller = await contextValue.principal();
        const args: ExecutionArgs = {
          schema,
          document,
          operationName: payload.operationName,
          variableValues: variables,
          contextValue,
        };
        if (caller) {
          const group = JSON.stringify([
            payload.query,
            payload.operationName ?? null,
            variables ?? null,
            caller.kind,
            caller.id,
            rightsOf(caller),
          ]);
          executionGroups.set(contextValue, group);
          // The changes waiting for this subscriber are executed before their turn, side by
          // side (each change's result is shared by its group, so this is the same execution
          // the delivery then takes, and reports a failure of). A throw is the feed's to log
          // (`ChangeSubscription`'s guard).
          session.prepare = (change) => {
            const result = executeShared(args, change, group, json.share);
            if (result instanceof Promise) result.catch(() => {});
          };
        }
        return args;
      },
      onNext: (_ctx, _id, _payload, args, result) => {
        // The result itself, not graphql-ws's copy of it, so that the replacer knows it.
        if (!result.errors) return result;
        const requestId = requestIdOf(args.contextValue);
        return { ...result, errors: result.errors.map((e) => format(e, requestId)) };
      },
      onError: (_ctx, _id, _payload, errors) => {
        const requestId = randomUUID();
        return errors.map((e) => format(e, requestId));
      },
      jsonMessageReplacer: json.replacer,
    },
    wss,
  );

  let closing: Promise<void> | undefined;
  return {
    handleUpgrade(request, socket, head) {
      if (closing) {
        socket.destroy();
        return;
      }
      wss.handleUpgrade(request, socket, head, (ws) => {
        coalesceSends(ws, socket, json.splice);
        wss.emit('connection', ws, request);
      });
    },
    get socketCount() {
      return wss.clients.size;
    },
    get sharedMessageCount() {
      return json.spliced;
    },
    close() {
      closing ??= (async () => {
        await server.dispose();
        await options.feed.stop();
      })();
      return closing;
    },
  };
}

/**
 * A subscription operation's context → who runs it and what it asks: the operation's text,
 * name and variables, and the caller's identity and rights. Two subscriptions with the same
 * key get the same result for the same event, so it is computed once (`executeShared`).
 */
const executionGroups = new WeakMap<object, string>();

/**
 * Each event's results, by execution group. The feed hands every subscriber of a tenant the
 * same change object, so 100 subscribers with one selection and one caller's rights cost one
 * execution per change, not 100 (their `connection` reads were already shared). Bound: one
 * entry per event still referenced (a `WeakMap`).
 */
const sharedResults = new WeakMap<
  object,
  Map<string, ExecutionResult | Promise<ExecutionResult>>
>();

/**
 * graphql-js's execution of one subscription event, shared within its group; `share` is told
 * of each shared result, so that its JSON is written once too.
 */
function executeShared(
  args: ExecutionArgs,
  event: unknown,
  group: string | undefined,
  share: (result: ExecutionResult) => void,
): ExecutionResult | Promise<ExecutionResult> {
  // A context of its own for each change's execution, inheriting the subscription's: the
  // changes waiting for a subscriber execute side by side (`prepare`), and each sets its own
  // loaders on its context (`connectionChanges`' resolver), which must not be another's.
  const run = () =>
    execute({
      ...args,
      contextValue: Object.create(args.contextValue as object),
      rootValue: event,
    });
  if (group === undefined || typeof event !== 'object' || event === null) return run();
  const results = sharedResults.get(event) ?? new Map();
  if (results.size === 0) sharedResults.set(event, results);
  let result = results.get(group);
  if (!result) {
    const executed = run();
    // Once settled, the result itself replaces its promise: the group's later subscribers
    // then take it without an await.
    result =
      executed instanceof Promise
        ? executed.then((r) => (share(r), results.set(group, r), r))
        : (share(executed), executed);
    results.set(group, result);
  }
  return result;
}

/**
 * `source` with `map` applied to each event, as graphql-js's `subscribe` does; `return` ends
 * the source at once, even while a `next` waits for an event.
 */
function mapEvents<T, R>(
  source: AsyncIterator<T>,
  map: (event: T) => R | Promise<R>,
): AsyncIterableIterator<R> {
  return {
    async next() {
      const step = await source.next();
      if (step.done) return step;
      // A shared result is usually ready (the first subscriber executed it): no extra await.
      const value = map(step.value);
      return { done: false, value: value instanceof Promise ? await value : value };
    },
    async return() {
      await source.return?.();
      return { done: true, value: undefined };
    },
    async throw(error: unknown) {
      await source.return?.();
      throw error;
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}

/** Bytes a socket may hold unsent before a send waits for them to go out (back-pressure). */
const SEND_BUFFER_BYTES = 64 * 1024;

/**
 * The messages a socket is sent within one turn of the event loop leave in one write: the
 * first send corks the socket and the next turn uncorks it. A feed read that brings k changes
 * then costs each subscriber one system call, not k (a write, with the wake-up of the
 * reader it causes, costs more than framing a small message). graphql-ws waits for each send's
 * callback before the next message, so the callback is called at once while the socket holds
 * less than `SEND_BUFFER_BYTES`; beyond that, only once the bytes are written. A subscriber
 * that does not read then stops taking messages, its changes pile up in its feed buffer, and
 * the feed cuts it off (4008) as before. Every message first goes through `splice`, which puts
 * a shared result's JSON in place of the placeholder graphql-ws's replacer wrote
 * (`createSharedJson`).
 *
 * On that path a message is framed here, as one buffer (`textFrame`), and written to the
 * socket, instead of going through `ws`'s sender (a header buffer and the text, two writes into
 * the corked stream, and the sender's bookkeeping: about 0.55 µs of user CPU per message less,
 * of 1.2; bench/README.md, round 5). The bytes are those `ws` writes for a text message
 * from a server without compression, and they keep their place among `ws`'s own frames (a
 * close, a ping) because `ws` writes each of those to the same socket at once, within its call.
 * Both lean on `ws`'s behaviour, not its docs: the fast path is taken only while no extension
 * (compression) was negotiated, and `test/changes/ws-frames.test.ts` checks the frames byte for
 * byte against `ws`'s own and their order against a close sent in the same turn.
 */
export function coalesceSends(
  ws: WebSocket,
  socket: Duplex,
  splice: (data: string) => string,
): void {
  const send = ws.send.bind(ws) as (data: string, cb?: (error?: Error) => void) => void;
  let corked = false;
  (ws as { send: typeof send }).send = (text, cb) => {
    const data = splice(text);
    if (
      ws.readyState !== ws.OPEN ||
      socket.writableLength >= SEND_BUFFER_BYTES ||
      ws.extensions !== ''
    ) {
      send(data, cb);
      return;
    }
    if (!corked) {
      corked = true;
      socket.cork();
      setImmediate(() => {
        corked = false;
        socket.uncork();
      });
    }
    socket.write(textFrame(data));
    if (cb) queueMicrotask(() => cb());
  };
}

/**
 * A WebSocket text message from a server in one frame (RFC 6455 §5.2: FIN, opcode 1, no mask,
 * the payload length in 7, 7 + 16 or 7 + 64 bits), in one buffer.
 */
export function textFrame(text: string): Buffer {
  const length = Buffer.byteLength(text);
  const header = length < 126 ? 2 : length < 65_536 ? 4 : 10;
  const frame = Buffer.allocUnsafe(header + length);
  frame[0] = 0x81;
  if (header === 2) frame[1] = length;
  else if (header === 4) {
    frame[1] = 126;
    frame.writeUInt16BE(length, 2);
  } else {
    frame[1] = 127;
    frame.writeUInt32BE(Math.floor(length / 2 ** 32), 2);
    frame.writeUInt32BE(length >>> 0, 6);
  }
  frame.write(text, header, length, 'utf8');
  return frame;
}

function authorizationOf(params: ConnectionParams): string | undefined {
  const value = params?.authorization;
  return typeof value === 'string' ? value : undefined;
}

/** A principal's memberships in a canonical text, to tell whether its rights changed. */
function rightsOf(principal: Principal): string {
  return JSON.stringify(
    [...principal.memberships]
      .map(([tenantId, permissions]) => [tenantId, [...permissions].sort()])
      .sort(([a], [b]) => String(a).localeCompare(String(b))),
  );
}
