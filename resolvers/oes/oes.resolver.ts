import { Arg, Args, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from 'type-graphql';
import type { GatewayContext } from '../../src/context.js';
import {
  oesConnectionById,
  oesConnectionPage,
  updateOesConnection,
  type OesConnection,
} from '../../src/services/oes/service.js';
import { PageArgs, toPageResult } from '../shared/pagination.js';
import { unwrapList, unwrapQuery } from '../shared/query-result.js';
import { toMutationResult } from '../shared/result-union.js';
import {
  IDEMPOTENCY_KEY_DESCRIPTION,
  VALIDATE_ONLY_DESCRIPTION,
} from '../shared/mutation-success.js';
import { inputFields } from '../shared/input.js';
import {
  OesConnectionPage,
  OesConnectionType,
  PartnerType,
  UpdateOesConnectionInput,
  UpdateOesConnectionResult,
  UpdateOesConnectionSuccess,
} from './oes.types.js';

@Resolver(() => OesConnectionType)
export class OesConnectionResolver {
  @Mutation(() => UpdateOesConnectionResult, {
    description:
      'Renames and/or (de)activates an OES connection. Needs connections:write and the OES licence.',
  })
  async updateOesConnection(
    @Arg('enterpriseId', () => ID) enterpriseId: string,
    @Arg('connectionId', () => ID) connectionId: string,
    @Arg('input', () => UpdateOesConnectionInput) input: UpdateOesConnectionInput,
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
  ): Promise<typeof UpdateOesConnectionResult> {
    const result = await updateOesConnection(
      ctx,
      {
        enterpriseId,
        connectionId,
        input: inputFields(input, ['name', 'active', 'expectedVersion']),
      },
      { validateOnly, idempotencyKey },
    );
    return toMutationResult(result, (c) => new UpdateOesConnectionSuccess(c));
  }

  @Query(() => OesConnectionPage)
  async oesConnections(
    @Arg('enterpriseId', () => ID) enterpriseId: string,
    @Args(() => PageArgs) { first, after }: PageArgs,
    @Ctx() ctx: GatewayContext,
  ) {
    return toPageResult(unwrapList(await oesConnectionPage(ctx, enterpriseId, first, after)));
  }

  @Query(() => OesConnectionType, { nullable: true })
  async oesConnection(
    @Arg('enterpriseId', () => ID) enterpriseId: string,
    @Arg('connectionId', () => ID) connectionId: string,
    @Ctx() ctx: GatewayContext,
  ): Promise<OesConnection | null> {
    return unwrapQuery(await oesConnectionById(ctx, enterpriseId, connectionId));
  }

  @FieldResolver(() => PartnerType)
  async partner(
    @Root() connection: OesConnection,
    @Ctx() ctx: GatewayContext,
  ): Promise<PartnerType> {
    const partner = await ctx.loaders.oesPartner.load({
      tenantId: connection.enterpriseId,
      id: connection.partnerId,
    });
    if (!partner)
      throw new Error(`partner ${connection.partnerId} of connection ${connection.id} is missing`);
    return { id: partner.id, name: partner.name };
  }
}
