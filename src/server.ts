import {
  ApolloServer,
  type ApolloServerPlugin,
  type ContextThunk,
  type GraphQLRequestListener,
  type HTTPGraphQLRequest,
  type HTTPGraphQLResponse,
} from '@apollo/server';
import {
  ApolloServerPluginCacheControlDisabled,
  ApolloServerPluginInlineTraceDisabled,
  ApolloServerPluginLandingPageDisabled,
} from '@apollo/server/plugin/disabled';
import { ApolloServerPluginLandingPageLocalDefault } from '@apollo/server/plugin/landingPage/default';
import { GraphQLError, type GraphQLSchema } from 'graphql';
import type { Kysely } from 'kysely';
import type { Db } from '../db/connect.js';
import type { Database } from '../db/database.js';
import { createJwtVerifier, type ClaimsMapping } from './auth/jwt.js';
import { CursorCodec } from './changes/cursor.js';
import { ChangeFeed } from './changes/feed.js';
import { createContext, type ContextDeps, type GatewayContext } from './context.js';
import { CursorSigner } from './crypto/cursor-signer.js';
import { mayBeForged } from './csrf.js';
import { SecretBox } from './crypto/secret-box.js';
import { classifyError, formatGatewayError, variablesError } from './errors.js';
import { jitExecutor, type JitExecutor } from './executor.js';
import { costError, LIMITS, limitRules, operationCost } from './limits.js';
import { createLiveServer, type LiveServer } from './live.js';
import type { GatewayMetrics } from './metrics.js';
import type { Logger } from './logger.js';
import { SANDBOX_DOCUMENT, SANDBOX_HEADERS } from './sandbox.js';

export interface GatewayOptions {
  /**
   * The executable schema, built by the caller (`buildGatewaySchema` in `resolvers/`), so that
   * nothing here imports the GraphQL layer above it.
   */
  schema: GraphQLSchema;
  db: Kysely<Database>;
  logger: Logger;
  production: boolean;
  secretKeys: { id: string; key: Buffer }[];
  jwtSecret?: string;
  jwtPublicKey?: string;
  /** An identity provider's JWKS URL; with `jwtIssuer` / `jwtAudience` checked when set. */
  jwtJwksUrl?: string;
  jwtIssuer?: string;
  jwtAudience?: string;
  /** Where memberships come from (default: the `memberships` claim). */
  jwtClaims?: ClaimsMapping;
  /**
   * `graphql-jit` (default) compiles each document once; `graphql-js` interprets it (build the
   * schema with `callDirectly: false` to go with it: the libraries' own paths throughout).
   */
  executor?: 'graphql-jit' | 'graphql-js';
  /** The database's LISTEN (`Db.listen`); without it the change feed only polls. */
  listen?: Db['listen'];
  /**
   * Live changes: safety-net poll, how long a read gathers commits, per-subscriber buffer
   * bound, credential recheck interval.
   */
  changes?: {
    pollMs?: number;
    batchMs?: number;
    bufferLimit?: number;
    credentialsRecheckMs?: number;
  };
  /** Prometheus metrics to record into (`METRICS_PORT`); absent = none recorded. */
  metrics?: GatewayMetrics;
}

export interface Gateway {
  /**
   * Apollo itself, for `executeOperation` (tests, the bench) and its lifecycle. HTTP requests
   * go through `executeHTTPGraphQLRequest` below, never straight to Apollo: in production
   * Apollo's own CSRF check is off.
   */
  apollo: ApolloServer<GatewayContext>;
  /**
   * The one way in for a GraphQL request over HTTP: Apollo's `executeHTTPGraphQLRequest`,
   * after the CSRF rule (src/csrf.ts) where Apollo does not check it itself. A request that
   * `mayBeForged` is not passed on: `'forged'` (the caller answers 400 with `CSRF_REFUSAL`),
   * so no caller can serve one by forgetting the check.
   */
  executeHTTPGraphQLRequest(request: {
    httpGraphQLRequest: HTTPGraphQLRequest;
    context: ContextThunk<GatewayContext>;
  }): Promise<HTTPGraphQLResponse | 'forged'>;
  schema: GraphQLSchema;
  /** Builds one request's context (the caller is authenticated on first use). */
  contextFor(request: { authorization?: string; requestId?: string }): Promise<GatewayContext>;
  /** The process's feed of committed changes (`connectionChanges`). */
  changes: ChangeFeed;
  /** GraphQL over WebSocket; `http.ts` hands it the upgrade requests for `/graphql`. */
  live: LiveServer;
  /**
   * Whether `executeHTTPGraphQLRequest` refuses a request that `mayBeForged` (src/csrf.ts)
   * before it reaches Apollo: in production, where Apollo's own CSRF check is off. Elsewhere
   * Apollo checks (it must, to serve its landing page to a browser's GET before the check).
   */
  csrfInHttp: boolean;
}

/**
 * Assembles the GraphQL side of the gateway: schema, Apollo Server with our error policy, and
 * the context factory. Used by `main.ts` (behind `http.ts`) and by the tests.
 */
export async function createGateway(options: GatewayOptions): Promise<Gateway> {
  const { schema } = options;
  const deps: ContextDeps = {
    db: options.db,
    logger: options.logger,
    secrets: new SecretBox(options.secretKeys),
    cursors: new CursorSigner(options.secretKeys),
    jwt: createJwtVerifier({
      secret: options.jwtSecret,
      publicKeyPem: options.jwtPublicKey,
      jwksUrl: options.jwtJwksUrl,
      issuer: options.jwtIssuer,
      audience: options.jwtAudience,
      claims: options.jwtClaims,
    }),
  };
  const contextFor = async (request: { authorization?: string; requestId?: string }) =>
    createContext(deps, request);
  const changes = new ChangeFeed({
    db: options.db,
    listen: options.listen,
    cursors: new CursorCodec(options.secretKeys),
    logger: options.logger,
    pollMs: options.changes?.pollMs ?? 1_000,
    batchMs: options.changes?.batchMs,
    bufferLimit: options.changes?.bufferLimit ?? 1_000,
    onDelivered: options.metrics?.delivered,
    onCut: options.metrics?.cut,
  });
  options.metrics?.instrument(schema);
  options.metrics?.watch({ subscriptions: () => changes.subscriberCount });
  await changes.start();
  const live = createLiveServer({
    schema,
    feed: changes,
    contextFor,
    logger: options.logger,
    production: options.production,
    credentialsRecheckMs: options.changes?.credentialsRecheckMs ?? 30_000,
    maxPayloadBytes: LIMITS.maxBodyBytes,
  });
  const jit = options.executor === 'graphql-js' ? undefined : jitExecutor(schema);
  const apollo = new ApolloServer<GatewayContext>({
    ...(jit ? { gateway: jit.gateway } : { schema }),
    introspection: !options.production,
    includeStacktraceInErrorResponses: false,
    allowBatchedHttpRequests: false,
    // The same rule, checked by `executeHTTPGraphQLRequest` in production, where no landing page is served
    // (src/csrf.ts says why; Apollo's check runs before a request's context is made, ours
    // before Apollo is called: the same requests are refused).
    csrfPrevention: !options.production,
    // main.ts drains HTTP first and then stops Apollo; Apollo's own signal handler would stop
    // it before the drain and leave our stop() waiting forever.
    stopOnTerminationSignals: false,
    parseOptions: { maxTokens: LIMITS.maxTokens },
    validationRules: limitRules(),
    formatError: (formatted, error) => formatGatewayError(formatted, error, options.production),
    plugins: [
      ApolloServerPluginCacheControlDisabled(),
      // Inline tracing only ever applies to federated subgraphs; disabled, it costs nothing.
      ApolloServerPluginInlineTraceDisabled(),
      options.production
        ? ApolloServerPluginLandingPageDisabled()
        : ApolloServerPluginLandingPageLocalDefault({
            embed: { runTelemetry: false, endpointIsEditable: false },
            document: SANDBOX_DOCUMENT,
            headers: SANDBOX_HEADERS,
          }),
      gatewayPlugin(schema, options.production, jit),
      ...(options.metrics ? [options.metrics.plugin()] : []),
      // Apollo's drain pattern for a WebSocket server: stopping Apollo closes every socket.
      { serverWillStart: async () => ({ drainServer: () => live.close() }) },
    ],
  });
  await apollo.start();
  const csrfInHttp = options.production;
  return {
    apollo,
    executeHTTPGraphQLRequest: (request) =>
      csrfInHttp && mayBeForged(request.httpGraphQLRequest.headers)
        ? Promise.resolve('forged')
        : apollo.executeHTTPGraphQLRequest(request),
    schema,
    contextFor,
    changes,
    live,
    csrfInHttp,
  };
}

/**
 * The gateway's request policy, as one listener shared by every request (Apollo calls each
 * plugin's hooks on every request, so one listener is cheaper than several):
 * - admits an operation that passed parsing (token limit) and validation (depth, aliases,
 *   directives, mutation count) only if its variables coerce and its cost, with those
 *   variables, is within the limit. Nothing before this runs SQL (the caller is authenticated
 *   lazily, by the first resolver that needs it), so a refused operation runs none at all;
 * - logs every unexpected error in full (with the request id) before it is masked, and puts
 *   the request id on every error the client receives so support can find the log line;
 * - in production, strips "Did you mean …?" suggestions, which would reveal the schema;
 * - with graphql-jit, runs the operation (`JitExecutor.respond`, `responseForOperation`).
 */
function gatewayPlugin(
  schema: GraphQLSchema,
  production: boolean,
  jit: JitExecutor | undefined,
): ApolloServerPlugin<GatewayContext> {
  const listener: GraphQLRequestListener<GatewayContext> = {
    async didResolveOperation({ document, request, operation, operationName }) {
      // No operation to run: an unknown `operationName`, or none given for a document with
      // several operations. Apollo would hand this to the executor and answer 500.
      if (!operation) {
        throw new GraphQLError(
          request.operationName != null
            ? 'The document has no operation of the requested operationName.'
            : 'Must provide operationName if the document contains several operations.',
          { extensions: { code: 'OPERATION_RESOLUTION_FAILURE', http: { status: 400 } } },
        );
      }
      // The variables must coerce (values redacted from the error). graphql-js decides, but
      // when graphql-jit executes, its cheaper coercion answers first for variables it accepts.
      if (!jit?.variablesCoerce(operation, request.variables)) {
        const invalid = variablesError(schema, operation, request.variables);
        if (invalid) throw invalid;
      }
      const cost = operationCost(schema, document, request.variables, operationName ?? undefined);
      if (cost > LIMITS.maxCost) throw costError(cost);
    },
    async didEncounterErrors({ contextValue, errors, operationName }) {
      for (const error of errors) {
        const disposition = classifyError(error);
        if (disposition === 'client') continue;
        contextValue.logger.error(
          { err: error.originalError ?? error, path: error.path, operationName, disposition },
          'request failed',
        );
      }
    },
    async willSendResponse({ contextValue, response }) {
      if (response.body.kind !== 'single') return;
      const { errors } = response.body.singleResult;
      if (!errors) return;
      response.body.singleResult.errors = errors.map((e) => ({
        ...e,
        extensions: { ...e.extensions, requestId: contextValue.requestId },
      }));
    },
  };
  if (jit) listener.responseForOperation = (requestContext) => jit.respond(requestContext);
  if (production) {
    listener.validationDidStart = async () => async (validationErrors) => {
      for (const error of validationErrors ?? [])
        error.message = error.message.replace(/ ?Did you mean(.+?)\?$/, '');
    };
  }
  return { requestDidStart: async () => listener };
}
