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
import { mapKnown } from '../../src/tenant-loaders.js';
import {
  oesConnectionById,
  oesConnectionPage,
  updateOesConnection,
} from '../../src/services/oes/service.js';
import type { OesConnection } from '../../src/services/oes/model.js';
import { PageArgs, toPageResult } from '../shared/pagination.js';
import { present } from '../shared/present.js';
import { selectionOf } from '../shared/selection.js';
import { unwrapList, unwrapQuery } from '../shared/query-result.js';
import { toMutationResult } from '../shared/result-union.js';
import { MutationOptionsArgs } from '../shared/mutation-success.js';
import { inputFields } from '../shared/input.js';
import {
  OesConnectionPage,
  OesConnectionType,
  PartnerType,
  UpdateOesConnectionInput,
  UpdateOesConnectionResult,
  UpdateOesConnectionSuccess,
} from './oes.types.js';
import {
  MUTATION_CONNECTION_ID,
  MUTATION_INPUT,
  QUERY_CONNECTION_ID,
  QUERY_TENANT,
  mutationTenantArg,
} from '../shared/descriptions.js';

@Resolver(() => OesConnectionType)
export class OesConnectionResolver {
  @Mutation(() => UpdateOesConnectionResult, {
    description:
      "Updates a client connection of an enterprise (partial update): renames it and/or activates or deactivates it. For use only by OES clients: needs connections:write (else PermissionDeniedError PERMISSION_DENIED) and the enterprise's OES licence (else PermissionDeniedError LICENSE_REQUIRED). Errors: InvalidInputError (malformed ids, nothing to update, a bad name), AuthenticationError, PermissionDeniedError, NotFoundError (OesConnection), ConflictError VERSION_MISMATCH.",
  })
  async updateOesConnection(
    @Arg('enterpriseId', () => ID, { description: mutationTenantArg('enterpriseId') })
    enterpriseId: string,
    @Arg('connectionId', () => ID, { description: MUTATION_CONNECTION_ID }) connectionId: string,
    @Arg('input', () => UpdateOesConnectionInput, { description: MUTATION_INPUT })
    input: UpdateOesConnectionInput,
    @Args(() => MutationOptionsArgs) { validateOnly, idempotencyKey }: MutationOptionsArgs,
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

  @Query(() => OesConnectionPage, {
    description:
      "One page of an enterprise's OES connections, oldest first. Needs connections:read and the OES licence (else top-level FORBIDDEN); no credentials: top-level UNAUTHENTICATED.",
  })
  async oesConnections(
    @Arg('enterpriseId', () => ID, { description: QUERY_TENANT }) enterpriseId: string,
    @Args(() => PageArgs) { first, after }: PageArgs,
    @Ctx() ctx: GatewayContext,
    @Info() info: GraphQLResolveInfo,
  ) {
    // The nested objects the query asks for are read with the page (see page-parts.ts).
    const parts = { partners: selectionOf(info, 'items').partner !== undefined };
    return toPageResult(
      unwrapList(await oesConnectionPage(ctx, enterpriseId, first, after, parts)),
    );
  }

  @Query(() => OesConnectionType, {
    nullable: true,
    description:
      'One OES connection of the enterprise; null when it does not exist there. Needs connections:read and the OES licence (else top-level FORBIDDEN).',
  })
  async oesConnection(
    @Arg('enterpriseId', () => ID, { description: QUERY_TENANT }) enterpriseId: string,
    @Arg('connectionId', () => ID, { description: QUERY_CONNECTION_ID }) connectionId: string,
    @Ctx() ctx: GatewayContext,
  ): Promise<OesConnection | null> {
    return unwrapQuery(await oesConnectionById(ctx, enterpriseId, connectionId));
  }

  @FieldResolver(() => PartnerType, {
    description: 'The partner venue the connection leads to. Fixed when the connection is made.',
  })
  partner(
    @Root() connection: OesConnection,
    @Ctx() ctx: GatewayContext,
  ): PartnerType | Promise<PartnerType> {
    const partner = present(
      ctx.loaders.oesPartner.get({ tenantId: connection.enterpriseId, id: connection.partnerId }),
      () => `partner ${connection.partnerId} of connection ${connection.id}`,
    );
    const toPartner = (found: PartnerType): PartnerType => ({ id: found.id, name: found.name });
    return mapKnown(partner, toPartner);
  }
}
