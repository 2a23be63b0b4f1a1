import { createServer, type Server } from 'node:http';
import type { ApolloServerPlugin } from '@apollo/server';
import {
  GraphQLObjectType,
  isUnionType,
  getNamedType,
  type GraphQLSchema,
  type GraphQLResolveInfo,
} from 'graphql';
import {
  Counter,
  Gauge,
  Histogram,
  Registry,
  type AggregatorRegistry,
  type PrometheusContentType,
} from 'prom-client';

/** What the gateway counts for Prometheus; see README "Metrics". */
export interface GatewayMetrics {
  registry: Registry;
  /** A change handed to a subscriber. */
  delivered(count: number): void;
  /** A subscriber cut off for falling behind. */
  cut(): void;
  /** Reports the database pool and the open subscriptions when scraped. */
  watch(sources: {
    pool?: () => { total: number; idle: number; waiting: number } | undefined;
    subscriptions?: () => number;
  }): void;
  /** Wraps the root fields' resolvers so a mutation's outcome (its union member) is known. */
  instrument(schema: GraphQLSchema): void;
  /** Counts every operation by root field and outcome, and times it. */
  plugin(): ApolloServerPlugin;
}

/**
 * The gateway's metrics, in `registry` (the process-wide default one in production, so that
 * a cluster's primary can aggregate its workers' through prom-client's AggregatorRegistry).
 * Label values are bounded: root field names of the schema and outcome names (a union
 * member's `__typename`, `ok`, or a top-level error code), never client-chosen names.
 */
export function createMetrics(registry: Registry = new Registry()): GatewayMetrics {
  const operations = new Counter({
    name: 'cgw_operations_total',
    help: 'GraphQL operations by root field and outcome (union member __typename, ok, or the top-level error code)',
    labelNames: ['operation', 'outcome'] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'cgw_operation_duration_seconds',
    help: 'Time from receiving a GraphQL operation to sending its response, by root field',
    labelNames: ['operation'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const delivered = new Counter({
    name: 'cgw_change_events_delivered_total',
    help: 'Change events handed to connectionChanges subscribers',
    registers: [registry],
  });
  const cut = new Counter({
    name: 'cgw_subscribers_cut_total',
    help: 'Subscribers disconnected for falling more than the buffer bound behind',
    registers: [registry],
  });
  const sources: Parameters<GatewayMetrics['watch']>[0][] = [];
  new Gauge({
    name: 'cgw_db_pool_connections',
    help: 'Database pool connections: in use, idle, and requests waiting for one',
    labelNames: ['state'] as const,
    registers: [registry],
    collect() {
      let inUse = 0;
      let idle = 0;
      let waiting = 0;
      for (const s of sources) {
        const stats = s.pool?.();
        if (!stats) continue;
        inUse += stats.total - stats.idle;
        idle += stats.idle;
        waiting += stats.waiting;
      }
      this.set({ state: 'in_use' }, inUse);
      this.set({ state: 'idle' }, idle);
      this.set({ state: 'waiting' }, waiting);
    },
  });
  new Gauge({
    name: 'cgw_subscriptions_open',
    help: 'Open connectionChanges subscriptions',
    registers: [registry],
    collect() {
      this.set(sources.reduce((sum, s) => sum + (s.subscriptions?.() ?? 0), 0));
    },
  });

  // The union member each root field resolved to, per request (keyed by its context).
  const outcomes = new WeakMap<object, Map<string, string>>();

  return {
    registry,
    delivered: (count) => delivered.inc(count),
    cut: () => cut.inc(),
    watch: (s) => void sources.push(s),
    instrument(schema) {
      for (const root of [schema.getQueryType(), schema.getMutationType()]) {
        if (!(root instanceof GraphQLObjectType)) continue;
        for (const field of Object.values(root.getFields())) {
          const union = getNamedType(field.type);
          const resolve = field.resolve;
          if (!resolve || !isUnionType(union) || !union.resolveType) continue;
          const resolveType = union.resolveType;
          field.resolve = async (source, args, context: object, info: GraphQLResolveInfo) => {
            const value = await resolve(source, args, context, info);
            const typename = await resolveType(value, context, info, union);
            let byField = outcomes.get(context);
            if (!byField) outcomes.set(context, (byField = new Map()));
            if (typename) byField.set(info.path.key as string, typename);
            return value;
          };
        }
      }
    },
    plugin() {
      return {
        async requestDidStart() {
          const start = process.hrtime.bigint();
          return {
            async willSendResponse({ operation, response, contextValue }) {
              const seconds = Number(process.hrtime.bigint() - start) / 1e9;
              const errors =
                response.body.kind === 'single' ? (response.body.singleResult.errors ?? []) : [];
              const codeOf = (key?: string) => {
                const error = errors.find((e) => key === undefined || e.path?.[0] === key);
                return error
                  ? String(error.extensions?.code ?? 'INTERNAL_SERVER_ERROR')
                  : undefined;
              };
              const fields = (operation?.selectionSet.selections ?? []).flatMap((s) =>
                s.kind === 'Field'
                  ? [{ name: s.name.value, key: s.alias?.value ?? s.name.value }]
                  : [],
              );
              if (fields.length === 0) {
                operations.inc({ operation: '(refused)', outcome: codeOf() ?? 'unknown' });
                duration.observe({ operation: '(refused)' }, seconds);
                return;
              }
              const byField = outcomes.get(contextValue as object);
              for (const { name, key } of fields) {
                const outcome =
                  codeOf(key) ??
                  byField?.get(key) ??
                  (errors.length > 0 ? codeOf() : undefined) ??
                  'ok';
                operations.inc({ operation: name, outcome });
                duration.observe({ operation: name }, seconds);
              }
            },
          };
        },
      };
    },
  };
}

/**
 * Serves `GET /metrics` on its own port: this process's registry, or, in a cluster's
 * primary, every worker's metrics aggregated (`AggregatorRegistry`).
 */
export function serveMetrics(
  source: { registry: Registry } | { cluster: AggregatorRegistry<PrometheusContentType> },
): Server {
  return createServer((req, res) => {
    if (req.method !== 'GET' || req.url?.split('?')[0] !== '/metrics') {
      res.statusCode = 404;
      return res.end('not found\n');
    }
    const registry = 'registry' in source ? source.registry : source.cluster;
    const text = 'registry' in source ? source.registry.metrics() : source.cluster.clusterMetrics();
    text.then(
      (body: string) => {
        res.setHeader('content-type', registry.contentType);
        res.end(body);
      },
      (error: unknown) => {
        res.statusCode = 500;
        res.end(`metrics unavailable: ${error instanceof Error ? error.message : 'error'}\n`);
      },
    );
  });
}
