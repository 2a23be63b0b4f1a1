import { GraphQLError, type GraphQLResolveInfo } from 'graphql';
import {
  Arg,
  Ctx,
  FieldResolver,
  ID,
  Info,
  Resolver,
  Root,
  Subscription,
  type SubscribeResolverData,
} from 'type-graphql';
import type { Change } from '../../src/changes/feed.js';
import { liveSessionOf } from '../../src/changes/session.js';
import type { GatewayContext } from '../../src/context.js';
import { createLoaders, type Loaders } from '../../src/loaders.js';
import { toAuditEvent } from '../../src/services/audit/service.js';
import {
  CONNECTOR_CONNECTION,
  connectionOfChange,
  subscribeToChanges,
} from '../../src/services/changes/service.js';
import type { ConnectorConnection } from '../../src/services/connectors/model.js';
import { withConnectors } from '../connectors/connection-connectors.js';
import { mentionedSelection } from '../shared/selection.js';
import { unwrapQuery } from '../shared/query-result.js';
import { AnyConnection, ConnectionChangeType, connectionKinds } from './changes.types.js';

/** Close code for a subscriber cut off because it fell too far behind. */
export const CLOSE_TOO_SLOW = 4008;

interface ConnectionChangesArgs {
  tenantId: string;
  after?: string | null;
}

/** The loaders of the changes of one feed read (`Change.read`; bound: a `WeakMap`). */
const loadersOfRead = new WeakMap<object, Loaders>();

@Resolver(() => ConnectionChangeType)
export class ConnectionChangeResolver {
  @Subscription(() => ConnectionChangeType, {
    description:
      "Every committed change of the tenant's connections, once each, in commit order, over " +
      'WebSocket (graphql-transport-ws). Needs connections:read (OES changes also the licence). ' +
      '`after` resumes right after the change whose cursor it is; without it delivery starts ' +
      'with the next change. A malformed `after` is BAD_USER_INPUT; a subscriber more than ' +
      '1,000 changes behind is disconnected (close code 4008) and resumes with `after`.',
    subscribe: async ({
      args,
      context,
    }: SubscribeResolverData<unknown, ConnectionChangesArgs, GatewayContext>) => {
      const { tenantId, after } = args;
      const live = liveSessionOf(context);
      if (!live)
        throw new GraphQLError('Subscriptions are served over WebSocket at /graphql.', {
          extensions: { code: 'BAD_REQUEST' },
        });
      const result = await subscribeToChanges(context, live, tenantId, after, (error) =>
        live.close(CLOSE_TOO_SLOW, error.message),
      );
      const subscription = unwrapQuery(result);
      if (!subscription) throw new Error('subscribing returned nothing');
      return subscription;
    },
  })
  connectionChanges(
    @Root() change: Change,
    @Arg('tenantId', () => ID, {
      description:
        'The tenant whose changes to receive: a tenant where the caller holds connections:read (else FORBIDDEN; no credentials: UNAUTHENTICATED). OES changes reach only a tenant with the OES licence.',
    })
    _tenantId: string,
    @Arg('after', () => String, {
      nullable: true,
      description:
        'A ConnectionChange.cursor this gateway issued for this tenant: replays every change committed after that one, then goes on live, with no gap and no duplicate. Absent: start with the next change. Any other string: BAD_USER_INPUT.',
    })
    _after: string | null,
    @Ctx() ctx: GatewayContext,
  ): ConnectionChangeType {
    // Each change's execution has a context of its own (`executeShared` in src/live.ts); its
    // loaders are those of the feed read that brought the change, fresh for each read (a loader
    // caches what it read) and shared by every change of that read and every subscriber it
    // reaches in this process: loaders hold data by id within a tenant, never a caller's
    // rights, so the nested reads (a connection's partner, its connector) of a read's changes
    // and of 100 subscribers batch into one statement per kind.
    let loaders = loadersOfRead.get(change.read);
    if (!loaders) loadersOfRead.set(change.read, (loaders = createLoaders(ctx.db)));
    // The read that found the change brought its tenant's entitlements (the licence check of
    // `connection` then needs no query of its own); one read, one snapshot: the same for every
    // change of a tenant in it (a key already primed is left as it is).
    loaders.entitlements.prime(change.row.tenant_id, change.row.tenant_entitlements);
    (ctx as { loaders: Loaders }).loaders = loaders;
    return { cursor: change.cursor, event: toAuditEvent(change.row), row: change.row };
  }

  @FieldResolver(() => AnyConnection, {
    nullable: true,
    description:
      'The connection as it is when the change is delivered (null when it no longer exists).',
  })
  async connection(
    @Root() change: ConnectionChangeType,
    @Ctx() ctx: GatewayContext,
    @Info() info: GraphQLResolveInfo,
  ): Promise<object | null> {
    const found = unwrapQuery(await connectionOfChange(ctx, change.row));
    if (!found) return null;
    connectionKinds.set(found.value, found.kind);
    // A connector connection shows its connector as a plain field: filled in here.
    if (found.kind === CONNECTOR_CONNECTION && mentionedSelection(info).connector !== undefined)
      await withConnectors(ctx, [found.value as ConnectorConnection], undefined);
    return found.value;
  }
}
