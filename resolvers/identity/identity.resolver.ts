import { Arg, Args, Ctx, ID, Query, Resolver } from 'type-graphql';
import type { GatewayContext } from '../../src/context.js';
import { auditEventPage } from '../../src/services/audit/service.js';
import { PageArgs, toPageResult } from '../shared/pagination.js';
import { unwrapList } from '../shared/query-result.js';
import { AuditEventPage, ViewerType } from './identity.types.js';

@Resolver()
export class IdentityResolver {
  @Query(() => ViewerType, {
    nullable: true,
    description:
      'Who the caller is and what they may do; null when the request carries no valid credentials (send `Authorization: Bearer <API key or JWT>`).',
  })
  async viewer(@Ctx() ctx: GatewayContext): Promise<ViewerType | null> {
    const principal = await ctx.principal();
    if (!principal) return null;
    return {
      id: principal.id,
      kind: principal.kind,
      memberships: [...principal.memberships].map(([tenantId, permissions]) => ({
        tenantId,
        permissions: [...permissions].sort(),
      })),
    };
  }

  @Query(() => AuditEventPage, {
    description:
      'The audit trail of one resource, oldest first: one event per change, with field names, never values. Lists only events of tenants where the caller holds connections:read; no credentials: top-level UNAUTHENTICATED.',
  })
  async auditEvents(
    @Arg('resourceId', () => ID, {
      description:
        'The id of the connection whose changes to list. A malformed or unknown id gives an empty page.',
    })
    resourceId: string,
    @Args(() => PageArgs) { first, after }: PageArgs,
    @Ctx() ctx: GatewayContext,
  ) {
    return toPageResult(unwrapList(await auditEventPage(ctx, resourceId, first, after)));
  }
}
