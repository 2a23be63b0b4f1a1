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
  orgConnectionById,
  orgConnectionPage,
  replaceOrgConnection,
} from '../../src/services/apps/service.js';
import type { App, AppAuthConfig, Board, OrgConnection } from '../../src/services/apps/model.js';
import { PageArgs, toPageResult } from '../shared/pagination.js';
import { selectionOf } from '../shared/selection.js';
import { unwrapList, unwrapQuery } from '../shared/query-result.js';
import { toMutationResult } from '../shared/result-union.js';
import { present } from '../shared/present.js';
import { MutationOptionsArgs } from '../shared/mutation-success.js';
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
import {
  MUTATION_CONNECTION_ID,
  MUTATION_INPUT,
  QUERY_CONNECTION_ID,
  QUERY_TENANT,
  mutationTenantArg,
} from '../shared/descriptions.js';

@Resolver(() => OrgConnectionType)
export class OrgConnectionResolver {
  @Mutation(() => ReplaceOrgConnectionResult, {
    description:
      'Replaces an existing org connection (PUT): its name and its API key, both required. The App must support a valid apikey auth config (else InvalidInputError UNSUPPORTED_AUTH_TYPE at ["input","data"]) and must not be deleted (else ConflictError APP_DELETED). A new API key gets a new credentialId. Needs connections:write. Errors: InvalidInputError, AuthenticationError, PermissionDeniedError, NotFoundError (OrgConnection), ConflictError VERSION_MISMATCH or APP_DELETED.',
  })
  async replaceOrgConnection(
    @Arg('organisationId', () => ID, { description: mutationTenantArg('organisationId') })
    organisationId: string,
    @Arg('connectionId', () => ID, { description: MUTATION_CONNECTION_ID }) connectionId: string,
    @Arg('input', () => ReplaceOrgConnectionInput, { description: MUTATION_INPUT })
    input: ReplaceOrgConnectionInput,
    @Args(() => MutationOptionsArgs) { validateOnly, idempotencyKey }: MutationOptionsArgs,
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

  @Query(() => OrgConnectionPage, {
    description:
      "One page of an organisation's App connections, oldest first, deleted Apps' included. Needs connections:read.",
  })
  async orgConnections(
    @Arg('organisationId', () => ID, { description: QUERY_TENANT }) organisationId: string,
    @Args(() => PageArgs) { first, after }: PageArgs,
    @Ctx() ctx: GatewayContext,
    @Info() info: GraphQLResolveInfo,
  ) {
    // The nested objects the query asks for are read with the page (see page-parts.ts).
    const items = selectionOf(info, 'items');
    const parts = {
      apps: items.app !== undefined,
      appSchema: items.app?.schema !== undefined,
      appSchemaMetadata: items.app?.schemaMetadata !== undefined,
      appServer: items.app?.server !== undefined,
      appAuthConfigs: items.app?.supportedAuthConfigs !== undefined,
      authConfigs: items.authConfig !== undefined,
      boards: items.usedByBoards !== undefined,
    };
    return toPageResult(
      unwrapList(await orgConnectionPage(ctx, organisationId, first, after, parts)),
    );
  }

  @Query(() => OrgConnectionType, {
    nullable: true,
    description:
      "One of an organisation's App connections; null when it does not exist there. Needs connections:read.",
  })
  async orgConnection(
    @Arg('organisationId', () => ID, { description: QUERY_TENANT }) organisationId: string,
    @Arg('connectionId', () => ID, { description: QUERY_CONNECTION_ID }) connectionId: string,
    @Ctx() ctx: GatewayContext,
  ): Promise<OrgConnection | null> {
    return unwrapQuery(await orgConnectionById(ctx, organisationId, connectionId));
  }

  @FieldResolver(() => AppType, { description: 'The App the connection connects to.' })
  app(@Root() connection: OrgConnection, @Ctx() ctx: GatewayContext): App | Promise<App> {
    // Read with the page, with the columns the page's selection asks for (orgConnectionPage).
    const ofPage = ctx.loaders.pageApps.get(connection);
    if (ofPage !== undefined) return ofPage;
    return present(
      ctx.loaders.app.get({ tenantId: connection.orgId, id: connection.appId }),
      () => `app ${connection.appId} of org connection ${connection.id}`,
    );
  }

  @FieldResolver(() => AppAuthConfigType, {
    nullable: true,
    description: 'The App auth config the connection authenticates with.',
  })
  authConfig(
    @Root() connection: OrgConnection,
    @Ctx() ctx: GatewayContext,
  ): AppAuthConfig | null | Promise<AppAuthConfig | null> {
    if (connection.authConfigId === null) return null;
    return ctx.loaders.appAuthConfig.get({
      tenantId: connection.orgId,
      id: connection.authConfigId,
    });
  }

  @FieldResolver(() => [BoardType], { description: 'The boards that use the connection.' })
  usedByBoards(
    @Root() connection: OrgConnection,
    @Ctx() ctx: GatewayContext,
  ): Board[] | Promise<Board[]> {
    return ctx.loaders.orgConnectionBoards.get({ tenantId: connection.orgId, id: connection.id });
  }
}

@Resolver(() => AppType)
export class AppResolver {
  @FieldResolver(() => [AppAuthConfigType], {
    description:
      'The ways an organisation can authenticate with the App, in order. At least one must be valid for the App to be usable.',
  })
  supportedAuthConfigs(
    @Root() app: App,
    @Ctx() ctx: GatewayContext,
  ): AppAuthConfig[] | Promise<AppAuthConfig[]> {
    return ctx.loaders.appAuthConfigs.get({ tenantId: app.orgId, id: app.id });
  }
}
