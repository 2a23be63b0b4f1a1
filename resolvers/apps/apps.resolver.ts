import { Arg, Args, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from 'type-graphql';
import type { GatewayContext } from '../../src/context.js';
import {
  orgConnectionById,
  orgConnectionPage,
  replaceOrgConnection,
  type App,
  type AppAuthConfig,
  type Board,
  type OrgConnection,
} from '../../src/services/apps/service.js';
import { PageArgs, toPageResult } from '../shared/pagination.js';
import { unwrapList, unwrapQuery } from '../shared/query-result.js';
import { toMutationResult } from '../shared/result-union.js';
import {
  IDEMPOTENCY_KEY_DESCRIPTION,
  VALIDATE_ONLY_DESCRIPTION,
} from '../shared/mutation-success.js';
import { inputFields } from '../shared/input.js';
import {
  AppAuthConfigType,
  AppType,
  BoardType,
  OrgConnectionPage,
  OrgConnectionType,
  ReplaceOrgConnectionInput,
  ReplaceOrgConnectionResult,
  ReplaceOrgConnectionSuccess,
} from './apps.types.js';

@Resolver(() => OrgConnectionType)
export class OrgConnectionResolver {
  @Mutation(() => ReplaceOrgConnectionResult, {
    description:
      'Replaces an org connection (PUT): its name and its API key. The App must have a valid apikey auth config. Needs connections:write.',
  })
  async replaceOrgConnection(
    @Arg('organisationId', () => ID) organisationId: string,
    @Arg('connectionId', () => ID) connectionId: string,
    @Arg('input', () => ReplaceOrgConnectionInput) input: ReplaceOrgConnectionInput,
    @Arg('validateOnly', () => Boolean, {
      nullable: true,
      defaultValue: false,
      description: VALIDATE_ONLY_DESCRIPTION,
    })
    validateOnly: boolean | null,
    @Arg('idempotencyKey', () => String, {
      nullable: true,
      description: IDEMPOTENCY_KEY_DESCRIPTION,
    })
    idempotencyKey: string | null,
    @Ctx() ctx: GatewayContext,
  ): Promise<typeof ReplaceOrgConnectionResult> {
    const result = await replaceOrgConnection(
      ctx,
      {
        organisationId,
        connectionId,
        input: {
          ...inputFields(input, ['name', 'expectedVersion']),
          data: { apiKey: input.data.apiKey },
        },
      },
      { validateOnly, idempotencyKey },
    );
    return toMutationResult(result, (c) => new ReplaceOrgConnectionSuccess(c));
  }

  @Query(() => OrgConnectionPage, { description: "One page of an organisation's App connections." })
  async orgConnections(
    @Arg('organisationId', () => ID) organisationId: string,
    @Args(() => PageArgs) { first, after }: PageArgs,
    @Ctx() ctx: GatewayContext,
  ) {
    return toPageResult(unwrapList(await orgConnectionPage(ctx, organisationId, first, after)));
  }

  @Query(() => OrgConnectionType, {
    nullable: true,
    description: "One of an organisation's App connections; null when it does not exist there.",
  })
  async orgConnection(
    @Arg('organisationId', () => ID) organisationId: string,
    @Arg('connectionId', () => ID) connectionId: string,
    @Ctx() ctx: GatewayContext,
  ): Promise<OrgConnection | null> {
    return unwrapQuery(await orgConnectionById(ctx, organisationId, connectionId));
  }

  @FieldResolver(() => AppType, { description: 'The App the connection connects to.' })
  async app(@Root() connection: OrgConnection, @Ctx() ctx: GatewayContext): Promise<App> {
    const app = await ctx.loaders.app.load({ tenantId: connection.orgId, id: connection.appId });
    if (!app)
      throw new Error(`app ${connection.appId} of org connection ${connection.id} is missing`);
    return app;
  }

  @FieldResolver(() => AppAuthConfigType, {
    nullable: true,
    description: 'The App auth config the connection authenticates with.',
  })
  async authConfig(
    @Root() connection: OrgConnection,
    @Ctx() ctx: GatewayContext,
  ): Promise<AppAuthConfig | null> {
    if (connection.authConfigId === null) return null;
    return ctx.loaders.appAuthConfig.load({
      tenantId: connection.orgId,
      id: connection.authConfigId,
    });
  }

  @FieldResolver(() => [BoardType], { description: 'The boards that use the connection.' })
  async usedByBoards(
    @Root() connection: OrgConnection,
    @Ctx() ctx: GatewayContext,
  ): Promise<Board[]> {
    return ctx.loaders.orgConnectionBoards.load({ tenantId: connection.orgId, id: connection.id });
  }
}

@Resolver(() => AppType)
export class AppResolver {
  @FieldResolver(() => [AppAuthConfigType], {
    description:
      'The ways an organisation can authenticate with the App, in order. At least one must be valid for the App to be usable.',
  })
  async supportedAuthConfigs(
    @Root() app: App,
    @Ctx() ctx: GatewayContext,
  ): Promise<AppAuthConfig[]> {
    return ctx.loaders.appAuthConfigs.load({ tenantId: app.orgId, id: app.id });
  }
}
