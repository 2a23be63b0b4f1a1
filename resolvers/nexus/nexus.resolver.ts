import type { GraphQLResolveInfo } from 'graphql';
import {
  Arg,
  Args,
  Ctx,
  FieldResolver,
  ID,
  Info,
  Mutation,
  Query,
  Resolver,
  Root,
} from 'type-graphql';
import type { GatewayContext } from '../../src/context.js';
import {
  connectionClients,
  nexusConnectionById,
  nexusConnectionPage,
  setConnectionClientEnabled,
} from '../../src/services/nexus/service.js';
import type { ConnectionClient, NexusConnection } from '../../src/services/nexus/model.js';
import { inputFields } from '../shared/input.js';
import { PageArgs, toPageResult } from '../shared/pagination.js';
import { selectionOf } from '../shared/selection.js';
import { unwrapList, unwrapQuery } from '../shared/query-result.js';
import { toMutationResult } from '../shared/result-union.js';
import { MutationOptionsArgs } from '../shared/mutation-success.js';
import {
  ConnectionClientType,
  NexusConnectionPage,
  NexusConnectionType,
  SetConnectionClientEnabledInput,
  SetConnectionClientEnabledResult,
  SetConnectionClientEnabledSuccess,
} from './nexus.types.js';
import {
  MUTATION_CONNECTION_ID,
  MUTATION_INPUT,
  QUERY_CONNECTION_ID,
  QUERY_TENANT,
  mutationTenantArg,
} from '../shared/descriptions.js';

@Resolver(() => NexusConnectionType)
export class NexusConnectionResolver {
  @Mutation(() => SetConnectionClientEnabledResult, {
    description:
      'Enables or disables one client for one Nexus connection. Requires the client.write permission (only clients the caller owns) or client.write.all (any client of the tenant); connections:write alone is not enough (PermissionDeniedError naming both). Idempotent: setting the current value succeeds and changes nothing. Errors: InvalidInputError (malformed ids, clientId missing or null), AuthenticationError, PermissionDeniedError, NotFoundError (NexusConnection, then Client), ConflictError VERSION_MISMATCH.',
  })
  async setConnectionClientEnabled(
    @Arg('tenantId', () => ID, { description: mutationTenantArg('tenantId') }) tenantId: string,
    @Arg('connectionId', () => ID, { description: MUTATION_CONNECTION_ID }) connectionId: string,
    @Arg('input', () => SetConnectionClientEnabledInput, { description: MUTATION_INPUT })
    input: SetConnectionClientEnabledInput,
    @Args(() => MutationOptionsArgs) { validateOnly, idempotencyKey }: MutationOptionsArgs,
    @Ctx() ctx: GatewayContext,
  ): Promise<typeof SetConnectionClientEnabledResult> {
    const result = await setConnectionClientEnabled(
      ctx,
      {
        tenantId,
        connectionId,
        input: inputFields(input, ['clientId', 'enabled', 'expectedVersion']),
      },
      { validateOnly, idempotencyKey },
    );
    return toMutationResult(result, (value) => new SetConnectionClientEnabledSuccess(value));
  }

  @Query(() => NexusConnectionPage, {
    description: "One page of a tenant's Nexus connections, oldest first. Needs connections:read.",
  })
  async nexusConnections(
    @Arg('tenantId', () => ID, { description: QUERY_TENANT }) tenantId: string,
    @Args(() => PageArgs) { first, after }: PageArgs,
    @Ctx() ctx: GatewayContext,
    @Info() info: GraphQLResolveInfo,
  ) {
    // The nested objects the query asks for are read with the page (see page-parts.ts).
    const parts = { clients: selectionOf(info, 'items').clients !== undefined };
    return toPageResult(unwrapList(await nexusConnectionPage(ctx, tenantId, first, after, parts)));
  }

  @Query(() => NexusConnectionType, {
    nullable: true,
    description:
      'One Nexus connection of the tenant; null when it does not exist there. Needs connections:read.',
  })
  async nexusConnection(
    @Arg('tenantId', () => ID, { description: QUERY_TENANT }) tenantId: string,
    @Arg('connectionId', () => ID, { description: QUERY_CONNECTION_ID }) connectionId: string,
    @Ctx() ctx: GatewayContext,
  ): Promise<NexusConnection | null> {
    return unwrapQuery(await nexusConnectionById(ctx, tenantId, connectionId));
  }

  @FieldResolver(() => [ConnectionClientType], {
    description:
      "The connection's clients, in the connection's order, each with whether it is enabled.",
  })
  clients(
    @Root() connection: NexusConnection,
    @Ctx() ctx: GatewayContext,
  ): ConnectionClient[] | Promise<ConnectionClient[]> {
    return connectionClients(ctx, connection);
  }
}
