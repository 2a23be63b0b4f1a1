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
    description: 'The caller; null when unauthenticated.',
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
    description: 'The audit trail of one resource (oldest first), in tenants the caller may read.',
  })
  async auditEvents(
    @Arg('resourceId', () => ID) resourceId: string,
    @Args(() => PageArgs) { first, after }: PageArgs,
    @Ctx() ctx: GatewayContext,
  ) {
    return toPageResult(unwrapList(await auditEventPage(ctx, resourceId, first, after)));
  }
}
